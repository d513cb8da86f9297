package dev.ddtstream.gpu.llama;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ddtstream.bundle.BundleManifest;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.OrtCallClock;
import dev.ddtstream.gpu.engine.Tensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One forward call of the LLaMA graph: prefill (empty past) or cached decode. The graph returns
 * logits for each row's last position only, (batch, vocab): memory for logits is rows x vocabulary
 * whatever the prompt length. ONNX Runtime writes them straight into a direct buffer the
 * {@link Step} owns, from which a row's allowed range is read without copying the batch. The
 * cache is the caller's ({@link SlotCache}): the graph reads it in place and returns only this
 * call's keys and values, (batch, layers, kvHeads, seq, headDim), for the caller to append.
 */
public final class LlamaGraph {

    private static final Set<String> CACHE_OUTPUTS = Set.of("new_key", "new_value");

    private final OrtSession session;
    private final OrtEnvironment env;
    private final BundleManifest.LlamaGeometry geometry;
    /** Logits buffers handed back by closed steps: a decode loop alternates between two. */
    private final Queue<ByteBuffer> spareLogits = new ConcurrentLinkedQueue<>();

    public LlamaGraph(ModelBundle bundle) {
        this.session = bundle.session(BundleManifest.LLAMA);
        this.env = bundle.sessionFactory().environment();
        this.geometry = bundle.manifest().llama();
    }

    public BundleManifest.LlamaGeometry geometry() {
        return geometry;
    }

    /** Where the graph's tensors live: a cache handing it its own tensors must use the same. */
    OrtEnvironment environment() {
        return env;
    }

    /** The output of one call; closing it frees this call's new keys and values and returns its logits buffer. */
    public final class Step implements AutoCloseable {
        private final OrtSession.Result result;
        private final OnnxTensor logitsTensor;
        private final ByteBuffer logitsMemory;
        private final FloatBuffer logits;
        private final int batch;
        private final int vocab;

        Step(OrtSession.Result result, OnnxTensor logitsTensor, ByteBuffer logitsMemory, FloatBuffer logits, int batch, int vocab) {
            this.result = result;
            this.logitsTensor = logitsTensor;
            this.logitsMemory = logitsMemory;
            this.logits = logits;
            this.batch = batch;
            this.vocab = vocab;
        }

        /** All logits, row-major (batch, vocab), copied out. */
        public float[] logits() {
            float[] out = new float[batch * vocab];
            logits.get(0, out);
            return out;
        }

        /** Logits of row {@code b}, copied into {@code out}. */
        public void rowLogits(int b, float[] out) {
            rowLogits(b, 0, vocab, out);
        }

        /** Logits {@code [from, to)} of row {@code b}, copied into the same positions of {@code out}. */
        public void rowLogits(int b, int from, int to, float[] out) {
            logits.get(b * vocab + from, out, from, to - from);
        }

        /** This call's keys, (batch, layers, kvHeads, seq, headDim). */
        public OnnxTensor newKey() {
            return tensor("new_key");
        }

        public OnnxTensor newValue() {
            return tensor("new_value");
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
            logitsTensor.close();
            spareLogits.offer(logitsMemory);
        }
    }

    /** An empty (past length 0) cache tensor for a prefill of {@code batch} rows. */
    public OnnxTensor emptyPast(int batch) throws OrtException {
        return Tensors.floats(env, new float[0], batch, geometry.layers(), geometry.kvHeads(), 0, geometry.headDim());
    }

    /**
     * Runs one call. {@code ids} and {@code positions} are (batch, seq); {@code mask} is
     * (batch, past + seq); {@code pastKey}/{@code pastValue} are an empty past or a cache's
     * rows, (batch, layers, kvHeads, past, headDim).
     */
    public Step forward(long[] ids, long[] mask, long[] positions, int batch, int seq,
                        OnnxTensor pastKey, OnnxTensor pastValue) throws OrtException {
        int total = mask.length / batch;
        int vocab = geometry.vocabSize();
        ByteBuffer memory = logitsMemory(Math.multiplyExact(batch, vocab));
        FloatBuffer logits = memory.asFloatBuffer().limit(batch * vocab).slice();
        OnnxTensor logitsT = OnnxTensor.createTensor(env, logits, new long[] {batch, vocab});
        try (OnnxTensor idT = Tensors.longs(env, ids, batch, seq);
             OnnxTensor maskT = Tensors.longs(env, mask, batch, total);
             OnnxTensor posT = Tensors.longs(env, positions, batch, seq)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", idT);
            in.put("attention_mask", maskT);
            in.put("position_ids", posT);
            in.put("past_key", pastKey);
            in.put("past_value", pastValue);
            OrtSession.Result r = OrtCallClock.run(session, in, CACHE_OUTPUTS, Map.of("logits", logitsT));
            return new Step(r, logitsT, memory, logits, batch, vocab);
        } catch (OrtException | RuntimeException e) {
            logitsT.close();
            spareLogits.offer(memory);
            throw e;
        }
    }

    private ByteBuffer logitsMemory(int floats) {
        ByteBuffer spare = spareLogits.poll();
        if (spare != null && spare.capacity() >= floats * Float.BYTES) {
            return spare.clear();
        }
        return ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES)).order(ByteOrder.nativeOrder());
    }
}
