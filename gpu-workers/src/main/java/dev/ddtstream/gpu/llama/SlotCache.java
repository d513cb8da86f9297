package dev.ddtstream.gpu.llama;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.ddtstream.bundle.BundleManifest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The LLaMA stage's key/value cache: a fixed number of slots, one per decoding row, each with
 * room for {@link #capacity()} positions, laid out batch-major (slot, layer, kv head, position,
 * head dim) in direct memory that ONNX Runtime reads in place. The rows in use are always slots
 * {@code [0, n)}, so the graph's past is one contiguous block; a row that leaves has the last
 * row moved into its slot. Each call's new keys and values are written at the end of their
 * row: nothing is rewritten per step but the mask.
 *
 * <p>Capacity grows (and shrinks) in blocks of {@link #BLOCK} positions, copying the cache once
 * when it does: the graph attends over the whole capacity (slots past a row's length are masked),
 * so capacity stays within a block or two of the longest row rather than at the largest possible.
 */
final class SlotCache {

    /** Positions added or removed at a time. */
    static final int BLOCK = 64;

    private final OrtEnvironment env;
    private final int slots;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private int capacity;
    private FloatBuffer keys;
    private FloatBuffer values;
    /** Per slot: which positions hold a real token (1) or padding (0). */
    private long[] mask;
    private final int[] length;

    SlotCache(OrtEnvironment env, BundleManifest.LlamaGeometry g, int slots) {
        this.env = env;
        this.slots = slots;
        this.layers = g.layers();
        this.kvHeads = g.kvHeads();
        this.headDim = g.headDim();
        this.length = new int[slots];
        allocate(BLOCK);
    }

    int slots() {
        return slots;
    }

    int capacity() {
        return capacity;
    }

    int length(int slot) {
        return length[slot];
    }

    /** Makes room for {@code positions} in every slot, and gives back blocks nobody will use: keeps the first {@code used} slots. */
    void fit(int positions, int used) {
        int wanted = roundUp(positions);
        if (wanted > capacity || wanted + 2 * BLOCK <= capacity) {
            resize(wanted, used);
        }
    }

    /**
     * The first {@code n} slots' keys or values as graph input, shaped (n, layers, kvHeads,
     * capacity, headDim), over this cache's memory (no copy). Close it after the call.
     */
    OnnxTensor keys(int n) throws OrtException {
        return view(keys, n);
    }

    OnnxTensor values(int n) throws OrtException {
        return view(values, n);
    }

    /** Appends row {@code row} of a call's new keys and values, shaped (batch, layers, kvHeads, seq, headDim), to slot {@code slot}. */
    void append(int slot, FloatBuffer newKeys, FloatBuffer newValues, int row, int seq, long[] seqMask, int maskFrom) {
        int at = length[slot];
        if (at + seq > capacity) {
            throw new IllegalStateException("slot " + slot + " holds " + at + " of " + capacity + " positions; " + seq + " more do not fit");
        }
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                int from = (((row * layers + l) * kvHeads + h) * seq) * headDim;
                int to = index(slot, l, h, at);
                keys.put(to, newKeys, from, seq * headDim);
                values.put(to, newValues, from, seq * headDim);
            }
        }
        System.arraycopy(seqMask, maskFrom, mask, slot * capacity + at, seq);
        length[slot] = at + seq;
    }

    /** Moves slot {@code from}'s contents into slot {@code to} and empties {@code from}. */
    void move(int from, int to) {
        int n = length[from];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvHeads; h++) {
                keys.put(index(to, l, h, 0), keys, index(from, l, h, 0), n * headDim);
                values.put(index(to, l, h, 0), values, index(from, l, h, 0), n * headDim);
            }
        }
        System.arraycopy(mask, from * capacity, mask, to * capacity, capacity);
        length[to] = n;
        clear(from);
    }

    void clear(int slot) {
        Arrays.fill(mask, slot * capacity, (slot + 1) * capacity, 0L);
        length[slot] = 0;
    }

    /**
     * The attention mask of a decode call over the first {@code n} slots: each slot's positions,
     * then 1 for the new token, shaped (n, capacity + 1).
     */
    long[] decodeMask(int n) {
        long[] out = new long[n * (capacity + 1)];
        for (int s = 0; s < n; s++) {
            System.arraycopy(mask, s * capacity, out, s * (capacity + 1), capacity);
            out[s * (capacity + 1) + capacity] = 1;
        }
        return out;
    }

    private OnnxTensor view(FloatBuffer memory, int n) throws OrtException {
        FloatBuffer rows = memory.duplicate().position(0).limit(n * slotFloats()).slice();
        return OnnxTensor.createTensor(env, rows, new long[] {n, layers, kvHeads, capacity, headDim});
    }

    private int index(int slot, int layer, int head, int position) {
        return (((slot * layers + layer) * kvHeads + head) * capacity + position) * headDim;
    }

    private int slotFloats() {
        return layers * kvHeads * capacity * headDim;
    }

    private void resize(int newCapacity, int used) {
        FloatBuffer oldKeys = keys;
        FloatBuffer oldValues = values;
        long[] oldMask = mask;
        int oldCapacity = capacity;
        allocate(newCapacity);
        for (int s = 0; s < used; s++) {
            int n = Math.min(length[s], newCapacity);
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvHeads; h++) {
                    int from = (((s * layers + l) * kvHeads + h) * oldCapacity) * headDim;
                    keys.put(index(s, l, h, 0), oldKeys, from, n * headDim);
                    values.put(index(s, l, h, 0), oldValues, from, n * headDim);
                }
            }
            System.arraycopy(oldMask, s * oldCapacity, mask, s * newCapacity, n);
        }
    }

    private void allocate(int newCapacity) {
        capacity = newCapacity;
        long floats = (long) slots * layers * kvHeads * newCapacity * headDim;
        if (floats * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a KV cache of " + slots + " slots x " + newCapacity
                    + " positions needs " + (floats * Float.BYTES >> 20) + " MiB per tensor, past one buffer's 2 GiB");
        }
        keys = ByteBuffer.allocateDirect((int) floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        values = ByteBuffer.allocateDirect((int) floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        mask = new long[slots * newCapacity];
    }

    private static int roundUp(int positions) {
        return Math.max(BLOCK, (positions + BLOCK - 1) / BLOCK * BLOCK);
    }
}
