package dev.ddtstream.gpu.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * The typed view of a bundle's {@code manifest.json} that the engines need; {@link #raw()}
 * keeps the whole document for anything else.
 *
 * @param graphs           {@code encoder}, {@code denoiser}, {@code llama}
 * @param tokenizerFile    the Hugging Face {@code tokenizer.json} (relative to the bundle)
 * @param imageSize        side S of the square RGB images the graphs take and produce
 * @param tokensPerImage   T
 * @param samplerSteps     rectified-flow steps of the sampler
 * @param llama            KV-cache geometry of the LLaMA graph
 * @param cfgGenerate      recommended guidance scale for GENERATE
 * @param cfgEdit          recommended guidance scale for EDIT
 * @param goldenFiles      golden file per name ({@code encoder}, {@code generate}, ...), relative
 */
public record BundleManifest(String format, String name, Map<String, GraphSpec> graphs,
                             String tokenizerFile, String tokenizerSha256,
                             int imageSize, int channels, PixelNormalization normalization,
                             int tokensPerImage, int samplerSteps, VocabularyLayout vocabulary,
                             LlamaGeometry llama, double cfgGenerate, double cfgEdit,
                             Map<String, String> goldenFiles, JsonNode raw) {

    /** Names of the graphs every bundle must have. */
    public static final String ENCODER = "encoder";
    public static final String DENOISER = "denoiser";
    public static final String LLAMA = "llama";

    /** Shape of the LLaMA KV cache: (layers, batch, kvHeads, positions, headDim). */
    public record LlamaGeometry(int layers, int kvHeads, int headDim, int vocabSize) {
    }

    public BundleManifest {
        graphs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(graphs)); // keeps load order stable
        goldenFiles = Map.copyOf(goldenFiles);
    }

    public GraphSpec graph(String key) {
        GraphSpec g = graphs.get(key);
        if (g == null) {
            throw new IllegalArgumentException("manifest has no graph " + key);
        }
        return g;
    }
}
