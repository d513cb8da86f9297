package dev.ddtstream.gpu.bundle;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.ddtstream.bundle.BundleException;
import dev.ddtstream.bundle.BundleManifest;
import dev.ddtstream.bundle.GraphSpec;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.bundle.TensorSpec;
import dev.ddtstream.gpu.runtime.SessionFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded, verified model bundle: its manifest and one open ONNX Runtime session per graph.
 * Loading checks that every file is present (and its sha256, when asked), that each graph's
 * real inputs and outputs match the manifest (names, element types, ranks, fixed and dynamic
 * dimensions) and that the manifest agrees with itself (image size, T, vocabulary size, KV
 * cache geometry); anything else is refused with a {@link BundleException}.
 */
public final class ModelBundle implements AutoCloseable {

    private final Path dir;
    private final BundleManifest manifest;
    private final Map<String, OrtSession> sessions;
    private final SessionFactory factory;

    private ModelBundle(Path dir, BundleManifest manifest, Map<String, OrtSession> sessions, SessionFactory factory) {
        this.dir = dir;
        this.manifest = manifest;
        this.sessions = sessions;
        this.factory = factory;
    }

    /** Loads and verifies the bundle in {@code dir}, checking sha256 sums. */
    public static ModelBundle load(Path dir, SessionFactory factory) {
        return load(dir, factory, true);
    }

    /** Loads and verifies the bundle in {@code dir}; {@code verifyChecksums} also hashes every file. */
    public static ModelBundle load(Path dir, SessionFactory factory, boolean verifyChecksums) {
        BundleManifest m = ManifestReader.read(dir);
        Path manifestFile = dir.resolve(ManifestReader.FILE_NAME);
        checkFile(dir, m.tokenizerFile(), "files.tokenizer", m.tokenizerSha256(), -1, verifyChecksums);
        for (GraphSpec g : m.graphs().values()) {
            checkFile(dir, g.file(), "files." + g.key(), g.sha256(), g.bytes(), verifyChecksums);
            if (g.externalData() != null) {
                GraphSpec.ExternalData x = g.externalData();
                checkFile(dir, x.file(), "files." + g.key() + ".external_data", x.sha256(), x.bytes(), verifyChecksums);
            }
        }
        checkConsistency(manifestFile, m);
        Map<String, OrtSession> open = new LinkedHashMap<>();
        try {
            for (GraphSpec g : m.graphs().values()) {
                Path f = dir.resolve(g.file());
                OrtSession s;
                try {
                    s = factory.open(f);
                } catch (OrtException e) {
                    throw new BundleException(f, "files." + g.key() + ".file", "ONNX Runtime cannot load the graph: " + e.getMessage(), e);
                }
                open.put(g.key(), s);
                GraphIoCheck.check(f, g, s);
            }
        } catch (RuntimeException e) {
            closeAll(open);
            throw e;
        }
        return new ModelBundle(dir, m, Map.copyOf(open), factory);
    }

    public Path directory() {
        return dir;
    }

    public BundleManifest manifest() {
        return manifest;
    }

    public SessionFactory sessionFactory() {
        return factory;
    }

    /** The open session of graph {@code key} ({@link BundleManifest#ENCODER}, ...). */
    public OrtSession session(String key) {
        OrtSession s = sessions.get(key);
        if (s == null) {
            throw new IllegalArgumentException("bundle has no graph " + key);
        }
        return s;
    }

    /** A file of the bundle, by its manifest-relative name. */
    public Path resolve(String relative) {
        return dir.resolve(relative);
    }

    @Override
    public void close() {
        closeAll(sessions);
    }

    private static void closeAll(Map<String, OrtSession> m) {
        for (OrtSession s : m.values()) {
            try {
                s.close();
            } catch (OrtException | RuntimeException ignored) {
                // closing is best effort; the session is unusable either way
            }
        }
    }

    private static void checkFile(Path dir, String name, String field, String sha, long bytes, boolean verify) {
        Path f = dir.resolve(name).normalize();
        if (!f.startsWith(dir.normalize())) {
            throw new BundleException(f, field + ".file", "path leaves the bundle directory");
        }
        if (!Files.isRegularFile(f)) {
            throw new BundleException(f, field + ".file", "file named by the manifest is missing");
        }
        if (bytes >= 0) {
            long size;
            try {
                size = Files.size(f);
            } catch (IOException e) {
                throw new BundleException(f, field + ".file", "cannot read size: " + e.getMessage(), e);
            }
            if (size != bytes) {
                // a cheap check that catches truncated copies even when checksums are skipped
                throw new BundleException(f, field + ".bytes", "file has " + size + " bytes, manifest says " + bytes);
            }
        }
        if (verify && sha != null && !sha.isEmpty()) {
            String actual = sha256(f);
            if (!actual.equalsIgnoreCase(sha)) {
                throw new BundleException(f, field + ".sha256", "sha256 mismatch: manifest " + sha + ", file " + actual);
            }
        }
    }

    private static String sha256(Path f) {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new BundleException(f, null, "cannot read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The engines rely on these relations between manifest sections; a bundle that breaks one is refused. */
    private static void checkConsistency(Path file, BundleManifest m) {
        int s = m.imageSize();
        int t = m.tokensPerImage();
        expectShape(file, "files.encoder.inputs[0]", m.graph(BundleManifest.ENCODER).inputs().get(0), -1, m.channels(), s, s);
        expectShape(file, "files.encoder.outputs[0]", m.graph(BundleManifest.ENCODER).outputs().get(0), -1, t);
        GraphSpec dn = m.graph(BundleManifest.DENOISER);
        expectShape(file, "files.denoiser.inputs", named(file, dn, "x_t", true), -1, m.channels(), s, s);
        expectShape(file, "files.denoiser.inputs", named(file, dn, "t", true), -1);
        expectShape(file, "files.denoiser.inputs", named(file, dn, "tokens", true), -1, t);
        expectShape(file, "files.denoiser.outputs", named(file, dn, "x0", false), -1, m.channels(), s, s);
        GraphSpec ll = m.graph(BundleManifest.LLAMA);
        BundleManifest.LlamaGeometry g = m.llama();
        if (g.vocabSize() != m.vocabulary().vocabSize()) {
            throw new BundleException(file, "llama.config.vocab_size", "is " + g.vocabSize() + " but vocabulary.vocab_size is " + m.vocabulary().vocabSize());
        }
        for (String n : List.of("input_ids", "attention_mask", "position_ids", "past_key", "past_value")) {
            named(file, ll, n, true);
        }
        // the slot cache contract: batch-major caches in, this call's keys and values out
        expectShape(file, "files.llama.inputs", named(file, ll, "past_key", true), -1, g.layers(), g.kvHeads(), -1, g.headDim());
        expectShape(file, "files.llama.inputs", named(file, ll, "past_value", true), -1, g.layers(), g.kvHeads(), -1, g.headDim());
        expectShape(file, "files.llama.outputs", named(file, ll, "logits", false), -1, g.vocabSize());
        expectShape(file, "files.llama.outputs", named(file, ll, "new_key", false), -1, g.layers(), g.kvHeads(), -1, g.headDim());
        expectShape(file, "files.llama.outputs", named(file, ll, "new_value", false), -1, g.layers(), g.kvHeads(), -1, g.headDim());
    }

    private static TensorSpec named(Path file, GraphSpec g, String name, boolean input) {
        String field = "files." + g.key() + (input ? ".inputs" : ".outputs");
        return (input ? g.input(name) : g.output(name)).orElseThrow(() ->
                new BundleException(file, field, "no " + (input ? "input" : "output") + " named '" + name + "' is declared"));
    }

    /** {@code -1} = must be symbolic; otherwise the fixed size expected. */
    private static void expectShape(Path file, String field, TensorSpec t, long... dims) {
        if (t.rank() != dims.length) {
            throw new BundleException(file, field, t.name() + " has rank " + t.rank() + ", expected " + dims.length);
        }
        for (int i = 0; i < dims.length; i++) {
            long want = dims[i];
            long got = t.staticDim(i);
            if (want != got) {
                throw new BundleException(file, field, t.name() + " dimension " + i + " is " + t.shape().get(i)
                        + ", expected " + (want < 0 ? "a symbolic dimension" : Long.toString(want)));
            }
        }
    }

    /** Compares a graph's declared inputs/outputs with what ONNX Runtime reports for the file. */
    static final class GraphIoCheck {
        private GraphIoCheck() {
        }

        static void check(Path file, GraphSpec g, OrtSession s) {
            try {
                compare(file, "files." + g.key() + ".inputs", g.inputs(), s.getInputInfo(), true);
                compare(file, "files." + g.key() + ".outputs", g.outputs(), s.getOutputInfo(), false);
            } catch (OrtException e) {
                throw new BundleException(file, "files." + g.key(), "cannot read graph metadata: " + e.getMessage(), e);
            }
        }

        private static void compare(Path file, String base, List<TensorSpec> declared, Map<String, NodeInfo> actual,
                                    boolean inputs) {
            for (int i = 0; i < declared.size(); i++) {
                TensorSpec d = declared.get(i);
                String field = base + "[" + i + "]";
                NodeInfo info = actual.get(d.name());
                if (info == null) {
                    throw new BundleException(file, field + ".name", "graph has no " + (inputs ? "input" : "output")
                            + " '" + d.name() + "' (graph has " + actual.keySet() + ")");
                }
                if (!(info.getInfo() instanceof TensorInfo ti)) {
                    throw new BundleException(file, field, "'" + d.name() + "' is not a tensor in the graph");
                }
                OnnxJavaType want = d.dtype() == TensorSpec.ElementType.FLOAT32 ? OnnxJavaType.FLOAT : OnnxJavaType.INT64;
                if (ti.type != want) {
                    throw new BundleException(file, field + ".dtype", "'" + d.name() + "' is declared " + d.dtype()
                            + " but the graph has " + ti.type);
                }
                long[] shape = ti.getShape();
                if (shape.length != d.rank()) {
                    throw new BundleException(file, field + ".shape", "'" + d.name() + "' is declared with rank " + d.rank()
                            + " " + d.shape() + " but the graph has rank " + shape.length + " " + Arrays.toString(shape));
                }
                for (int k = 0; k < shape.length; k++) {
                    long want2 = d.staticDim(k);
                    boolean graphDynamic = shape[k] < 0;
                    if (want2 >= 0 && !graphDynamic && shape[k] != want2) {
                        throw new BundleException(file, field + ".shape", "'" + d.name() + "' dimension " + k + " is declared "
                                + want2 + " but the graph has " + shape[k]);
                    }
                    if (want2 < 0 && !graphDynamic) {
                        throw new BundleException(file, field + ".shape", "'" + d.name() + "' dimension " + k + " is declared symbolic ("
                                + d.shape().get(k) + ") but the graph fixes it to " + shape[k]);
                    }
                }
            }
            if (inputs) {
                for (String name : actual.keySet()) {
                    if (declared.stream().noneMatch(t -> t.name().equals(name))) {
                        throw new BundleException(file, base, "graph input '" + name + "' is not declared in the manifest");
                    }
                }
            }
        }
    }
}
