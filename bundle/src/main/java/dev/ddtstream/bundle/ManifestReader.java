package dev.ddtstream.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses {@code manifest.json} into a {@link BundleManifest}, naming the field of any problem. */
public final class ManifestReader {

    public static final String FILE_NAME = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    private ManifestReader(Path file) {
        this.file = file;
    }

    /** Reads {@code bundleDir/manifest.json}. */
    public static BundleManifest read(Path bundleDir) {
        Path f = bundleDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(f)) {
            throw new BundleException(f, null, "manifest file is missing");
        }
        JsonNode root;
        try {
            root = JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new BundleException(f, null, "not valid JSON: " + e.getMessage(), e);
        }
        return new ManifestReader(f).parse(root);
    }

    private BundleManifest parse(JsonNode root) {
        String format = text(root, "format");
        if (!format.startsWith("ddt-bundle/1")) {
            throw fail("format", "unsupported bundle format '" + format + "' (expected ddt-bundle/1)");
        }
        Map<String, GraphSpec> graphs = new LinkedHashMap<>();
        for (String key : List.of(BundleManifest.ENCODER, BundleManifest.DENOISER, BundleManifest.LLAMA)) {
            graphs.put(key, graph(root, key));
        }
        String normText = text(root, "image.normalization");
        PixelNormalization norm = PixelNormalization.parse(normText);
        if (norm == null) {
            throw fail("image.normalization", "unsupported normalisation '" + normText + "' (expected x = pixel/D - O)");
        }
        if (!text(root, "image.layout").equals("NCHW") || !text(root, "image.color").equals("RGB")) {
            throw fail("image.layout", "only NCHW RGB images are supported");
        }
        int codebook = positive(root, "tokenizer_model.codebook_size");
        VocabularyLayout vocab = new VocabularyLayout(
                positive(root, "vocabulary.vocab_size"),
                rangeStart(root, "vocabulary.word_range"), rangeEnd(root, "vocabulary.word_range"),
                nonNegative(root, "vocabulary.visual_offset"), codebook, specials(root));
        if (vocab.visualOffset() + codebook > vocab.vocabSize()) {
            throw fail("vocabulary.visual_offset", "visual range " + vocab.visualOffset() + "+" + codebook
                    + " exceeds vocab_size " + vocab.vocabSize());
        }
        for (String s : List.of("<pad>", "<eos>", "<boi>", "<eoi>")) {
            if (!vocab.specials().containsKey(s)) {
                throw fail("vocabulary.special_tokens", "special token " + s + " is missing");
            }
        }
        BundleManifest.LlamaGeometry llama = new BundleManifest.LlamaGeometry(
                positive(root, "llama.config.n_layers"), positive(root, "llama.config.n_kv_heads"),
                positive(root, "llama.head_dim"), positive(root, "llama.config.vocab_size"));
        Map<String, String> golden = new HashMap<>();
        JsonNode g = at(root, "golden.files", false);
        if (g != null) {
            g.fields().forEachRemaining(e -> golden.put(e.getKey(), e.getValue().asText()));
        }
        return new BundleManifest(format, root.path("name").asText(""), graphs,
                text(root, "files.tokenizer.file"), root.path("files").path("tokenizer").path("sha256").asText(null),
                positive(root, "image.size"), positive(root, "image.channels"), norm,
                positive(root, "tokenizer_model.T"), sampler(root), vocab, llama,
                decoding(root), batching(root), world(root), golden, root);
    }

    /** Bundles exported before the noise shift existed have none: their schedule is s(t) = t. */
    private SamplerSchedule sampler(JsonNode root) {
        int steps = positive(root, "sampler.steps");
        double shift = at(root, "sampler.noise_shift", false) == null ? 1.0 : number(root, "sampler.noise_shift");
        if (!(shift > 0) || Double.isInfinite(shift)) {
            throw fail("sampler.noise_shift", "must be a positive number, got " + shift);
        }
        return new SamplerSchedule(steps, shift);
    }

    private DecodingDefaults decoding(JsonNode root) {
        double temperature = number(root, "decoding.sampling_recommendation.temperature");
        if (temperature < 0) {
            throw fail("decoding.sampling_recommendation.temperature", "must be >= 0, got " + temperature);
        }
        return new DecodingDefaults(temperature, nonNegative(root, "decoding.sampling_recommendation.top_k"),
                scale(root, "decoding.cfg.generate_scale"), scale(root, "decoding.cfg.edit_scale"),
                positive(root, "decoding.caption_max_new_tokens"));
    }

    private double scale(JsonNode root, String path) {
        double v = number(root, path);
        if (v < 0) {
            throw fail(path, "a guidance scale must be >= 0, got " + v);
        }
        return v;
    }

    private Batching batching(JsonNode root) {
        return new Batching(batchPolicy(root, Batching.ENCODER), batchPolicy(root, Batching.LLAMA), batchPolicy(root, Batching.MMDIT));
    }

    private BatchPolicy batchPolicy(JsonNode root, String stage) {
        String base = "batching." + stage;
        return new BatchPolicy(positive(root, base + ".max_batch_size"),
                Duration.ofMillis(nonNegative(root, base + ".max_queue_delay_ms")));
    }

    /** The synthetic world, when the bundle was trained on one. */
    private SyntheticWorld world(JsonNode root) {
        if (at(root, "world", false) == null) {
            return null;
        }
        Map<String, int[]> palette = new LinkedHashMap<>();
        at(root, "world.colors_rgb", true).fields().forEachRemaining(e -> palette.put(e.getKey(), rgb(e.getValue(), "world.colors_rgb." + e.getKey())));
        Map<String, Double> sizes = new LinkedHashMap<>();
        at(root, "world.sizes_half_extent_fraction_of_side", true).fields().forEachRemaining(e -> {
            if (!e.getValue().isNumber() || e.getValue().asDouble() <= 0 || e.getValue().asDouble() >= 0.5) {
                throw fail("world.sizes_half_extent_fraction_of_side." + e.getKey(), "must be a fraction in (0, 0.5), got " + e.getValue());
            }
            sizes.put(e.getKey(), e.getValue().asDouble());
        });
        if (palette.isEmpty() || sizes.isEmpty()) {
            throw fail("world", "needs at least one colour and one size");
        }
        return new SyntheticWorld(rgb(at(root, "world.background_rgb", true), "world.background_rgb"), palette,
                strings(root, "world.shapes"), sizes, strings(root, "world.relations"));
    }

    private int[] rgb(JsonNode n, String path) {
        if (!n.isArray() || n.size() != 3) {
            throw fail(path, "must be [r, g, b], got " + n);
        }
        int[] c = new int[3];
        for (int i = 0; i < 3; i++) {
            if (!n.get(i).isIntegralNumber() || n.get(i).asInt() < 0 || n.get(i).asInt() > 255) {
                throw fail(path, "channels must be integers in 0..255, got " + n);
            }
            c[i] = n.get(i).asInt();
        }
        return c;
    }

    private List<String> strings(JsonNode root, String path) {
        JsonNode n = at(root, path, true);
        if (!n.isArray() || n.isEmpty()) {
            throw fail(path, "must be a non-empty array of strings");
        }
        List<String> out = new ArrayList<>();
        n.forEach(v -> out.add(v.asText()));
        return out;
    }

    private GraphSpec graph(JsonNode root, String key) {
        String base = "files." + key;
        JsonNode ext = root.path("files").path(key).path("external_data");
        GraphSpec.ExternalData external = ext.isMissingNode() ? null
                : new GraphSpec.ExternalData(text(root, base + ".external_data.file"), ext.path("sha256").asText(null),
                        ext.path("bytes").asLong(-1));
        return new GraphSpec(key, text(root, base + ".file"), tensors(root, base + ".inputs"),
                tensors(root, base + ".outputs"), root.path("files").path(key).path("sha256").asText(null),
                root.path("files").path(key).path("bytes").asLong(-1), external);
    }

    private List<TensorSpec> tensors(JsonNode root, String path) {
        JsonNode arr = at(root, path, true);
        if (!arr.isArray() || arr.isEmpty()) {
            throw fail(path, "must be a non-empty array");
        }
        List<TensorSpec> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            String p = path + "[" + i + "]";
            JsonNode t = arr.get(i);
            String name = t.path("name").asText("");
            if (name.isEmpty()) {
                throw fail(p + ".name", "missing");
            }
            String dt = t.path("dtype").asText("");
            TensorSpec.ElementType type = TensorSpec.ElementType.parse(dt);
            if (type == null) {
                throw fail(p + ".dtype", "unsupported dtype '" + dt + "' of " + name + " (float32 or int64)");
            }
            JsonNode shape = t.path("shape");
            if (!shape.isArray()) {
                throw fail(p + ".shape", "missing shape of " + name);
            }
            List<TensorSpec.Dim> dims = new ArrayList<>();
            for (JsonNode d : shape) {
                if (d.isIntegralNumber() && d.asLong() > 0) {
                    dims.add(new TensorSpec.Dim(d.asLong(), null));
                } else if (d.isTextual() && !d.asText().isBlank()) {
                    dims.add(new TensorSpec.Dim(-1, d.asText()));
                } else {
                    throw fail(p + ".shape", "dimension " + d + " of " + name + " is neither a positive size nor a name");
                }
            }
            out.add(new TensorSpec(name, type, dims));
        }
        return out;
    }

    private Map<String, Integer> specials(JsonNode root) {
        JsonNode s = at(root, "vocabulary.special_tokens", true);
        Map<String, Integer> m = new HashMap<>();
        s.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asInt()));
        return m;
    }

    private JsonNode at(JsonNode root, String path, boolean required) {
        JsonNode n = root;
        for (String part : path.split("\\.")) {
            n = n.path(part);
        }
        if (n.isMissingNode() || n.isNull()) {
            if (required) {
                throw fail(path, "required field is missing");
            }
            return null;
        }
        return n;
    }

    private String text(JsonNode root, String path) {
        JsonNode n = at(root, path, true);
        if (!n.isTextual()) {
            throw fail(path, "must be a string, got " + n);
        }
        return n.asText();
    }

    private double number(JsonNode root, String path) {
        JsonNode n = at(root, path, true);
        if (!n.isNumber()) {
            throw fail(path, "must be a number, got " + n);
        }
        return n.asDouble();
    }

    private int nonNegative(JsonNode root, String path) {
        JsonNode n = at(root, path, true);
        if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > Integer.MAX_VALUE) {
            throw fail(path, "must be a non-negative integer, got " + n);
        }
        return n.asInt();
    }

    private int positive(JsonNode root, String path) {
        int v = nonNegative(root, path);
        if (v == 0) {
            throw fail(path, "must be positive");
        }
        return v;
    }

    private int rangeStart(JsonNode root, String path) {
        return range(root, path)[0];
    }

    private int rangeEnd(JsonNode root, String path) {
        return range(root, path)[1];
    }

    private int[] range(JsonNode root, String path) {
        JsonNode n = at(root, path, true);
        if (!n.isArray() || n.size() != 2 || !n.get(0).isIntegralNumber() || !n.get(1).isIntegralNumber()
                || n.get(0).asInt() < 0 || n.get(0).asInt() >= n.get(1).asInt()) {
            throw fail(path, "must be a half-open range [start, end) with start < end, got " + n);
        }
        return new int[] {n.get(0).asInt(), n.get(1).asInt()};
    }

    private BundleException fail(String field, String problem) {
        return new BundleException(file, field, problem);
    }
}
