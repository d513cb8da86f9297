package dev.ddtstream.gpu.llama;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ddtstream.bundle.BundleManifest;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.OrtCallClock;
import dev.ddtstream.gpu.engine.Tensors;
import java.util.HashMap;
import java.util.Map;

/**
 * One forward call of the LLaMA graph: prefill (empty past) or cached decode. The returned
 * {@link Step} owns the present key/value tensors, which feed the next call directly.
 */
public final class LlamaGraph {

    private final OrtSession session;
    private final OrtEnvironment env;
    private final BundleManifest.LlamaGeometry geometry;

    public LlamaGraph(ModelBundle bundle) {
        this.session = bundle.session(BundleManifest.LLAMA);
        this.env = bundle.sessionFactory().environment();
        this.geometry = bundle.manifest().llama();
    }

    public BundleManifest.LlamaGeometry geometry() {
        return geometry;
    }

    /** The output of one call; closing it frees the KV cache it holds. */
    public static final class Step implements AutoCloseable {
        private final OrtSession.Result result;
        private final int batch;
        private final int seq;
        private final int vocab;
        private float[] logits;

        Step(OrtSession.Result result, int batch, int seq, int vocab) {
            this.result = result;
            this.batch = batch;
            this.seq = seq;
            this.vocab = vocab;
        }

        /** All logits, row-major (batch, seq, vocab). */
        public float[] logits() {
            if (logits == null) {
                logits = Tensors.toFloats(tensor("logits"));
            }
            return logits;
        }

        /** Logits of the last position of row {@code b}, copied into {@code out}. */
        public void lastLogits(int b, float[] out) {
            System.arraycopy(logits(), ((b * seq) + seq - 1) * vocab, out, 0, vocab);
        }

        public OnnxTensor presentKey() {
            return tensor("present_key");
        }

        public OnnxTensor presentValue() {
            return tensor("present_value");
        }

        public int batch() {
            return batch;
        }

        private OnnxTensor tensor(String name) {
            return (OnnxTensor) result.get(name).orElseThrow(() -> new IllegalStateException("graph output " + name + " missing"));
        }

        @Override
        public void close() {
            result.close();
        }
    }

    /**
     * A new cache tensor holding only batch rows {@code rows} (in that order) of {@code cache},
     * shaped (layers, batch, kvHeads, positions, headDim).
     */
    public OnnxTensor selectRows(OnnxTensor cache, int[] rows) throws OrtException {
        long[] shape = cache.getInfo().getShape();
        int layers = (int) shape[0];
        int batch = (int) shape[1];
        int block = Math.toIntExact(shape[2] * shape[3] * shape[4]);
        float[] all = Tensors.toFloats(cache);
        float[] out = new float[layers * rows.length * block];
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(all, (l * batch + rows[i]) * block, out, (l * rows.length + i) * block, block);
            }
        }
        return Tensors.floats(env, out, shape[0], rows.length, shape[2], shape[3], shape[4]);
    }

    /** An empty (past length 0) cache tensor for a prefill of {@code batch} rows. */
    public OnnxTensor emptyPast(int batch) throws OrtException {
        return Tensors.floats(env, new float[0], geometry.layers(), batch, geometry.kvHeads(), 0, geometry.headDim());
    }

    /**
     * Runs one call. {@code ids} and {@code positions} are (batch, seq); {@code mask} is
     * (batch, past + seq); {@code pastKey}/{@code pastValue} are an empty past or a previous
     * step's present tensors.
     */
    public Step forward(long[] ids, long[] mask, long[] positions, int batch, int seq,
                        OnnxTensor pastKey, OnnxTensor pastValue) throws OrtException {
        int total = mask.length / batch;
        try (OnnxTensor idT = Tensors.longs(env, ids, batch, seq);
             OnnxTensor maskT = Tensors.longs(env, mask, batch, total);
             OnnxTensor posT = Tensors.longs(env, positions, batch, seq)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", idT);
            in.put("attention_mask", maskT);
            in.put("position_ids", posT);
            in.put("past_key", pastKey);
            in.put("past_value", pastValue);
            return new Step(OrtCallClock.run(session, in), batch, seq, geometry.vocabSize());
        }
    }
}
