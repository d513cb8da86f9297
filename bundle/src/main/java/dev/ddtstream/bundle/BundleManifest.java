package dev.ddtstream.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The typed view of a bundle's {@code manifest.json} that the engines need; {@link #raw()}
 * keeps the whole document for anything else.
 *
 * @param graphs           {@code encoder}, {@code denoiser}, {@code llama}
 * @param tokenizerFile    the Hugging Face {@code tokenizer.json} (relative to the bundle)
 * @param imageSize        side S of the square RGB images the graphs take and produce
 * @param tokensPerImage   T
 * @param sampler          the MMDiT sampler's steps and noise schedule
 * @param llama            KV-cache geometry of the LLaMA graph
 * @param decoding         recommended sampling, guidance scales and caption length
 * @param batching         serving defaults for each stage's dynamic batching
 * @param world            the synthetic world the model was trained on, or null (real models have none)
 * @param goldenFiles      golden file per name ({@code encoder}, {@code generate}, ...), relative
 */
public record BundleManifest(String format, String name, Map<String, GraphSpec> graphs,
                             String tokenizerFile, String tokenizerSha256,
                             int imageSize, int channels, PixelNormalization normalization,
                             int tokensPerImage, SamplerSchedule sampler, VocabularyLayout vocabulary,
                             LlamaGeometry llama, DecodingDefaults decoding, Batching batching, SyntheticWorld world,
                             Map<String, String> goldenFiles, JsonNode raw) {

    /** Names of the graphs every bundle must have. */
    public static final String ENCODER = "encoder";
    public static final String DENOISER = "denoiser";
    public static final String LLAMA = "llama";

    /** Shape of the LLaMA KV cache: (layers, batch, kvHeads, positions, headDim). */
    public record LlamaGeometry(int layers, int kvHeads, int headDim, int vocabSize) {
    }

    public BundleManifest {
        graphs = Collections.unmodifiableMap(new LinkedHashMap<>(graphs)); // keeps load order stable
        goldenFiles = Map.copyOf(goldenFiles);
    }

    /** The synthetic world, for code that only makes sense on one (the synthetic-world detector). */
    public SyntheticWorld requireWorld() {
        if (world == null) {
            throw new IllegalStateException("bundle " + name + " describes no synthetic world (manifest field 'world')");
        }
        return world;
    }

    public GraphSpec graph(String key) {
        GraphSpec g = graphs.get(key);
        if (g == null) {
            throw new IllegalArgumentException("manifest has no graph " + key);
        }
        return g;
    }
}
