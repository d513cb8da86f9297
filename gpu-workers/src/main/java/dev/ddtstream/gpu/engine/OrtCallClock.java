package dev.ddtstream.gpu.engine;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Map;
import java.util.Set;

/**
 * Runs a session and adds the call's wall time to a per-thread total, so that a caller can split
 * its own time into "inside ONNX Runtime" and everything else (decoding images, sampling,
 * copies). The engines run every graph through it; the benchmark reads it.
 */
public final class OrtCallClock {

    private static final ThreadLocal<long[]> NANOS = ThreadLocal.withInitial(() -> new long[1]);

    private OrtCallClock() {
    }

    public static OrtSession.Result run(OrtSession session, Map<String, ? extends OnnxTensorLike> inputs) throws OrtException {
        long start = System.nanoTime();
        try {
            return session.run(inputs);
        } finally {
            NANOS.get()[0] += System.nanoTime() - start;
        }
    }

    /**
     * Runs a session that writes the {@code pinned} outputs into tensors the caller allocated and
     * returns the {@code requested} ones.
     */
    public static OrtSession.Result run(OrtSession session, Map<String, ? extends OnnxTensorLike> inputs, Set<String> requested,
                                        Map<String, ? extends OnnxValue> pinned) throws OrtException {
        long start = System.nanoTime();
        try {
            return session.run(inputs, requested, pinned);
        } finally {
            NANOS.get()[0] += System.nanoTime() - start;
        }
    }

    /** Nanoseconds this thread has spent in {@link #run} since the last {@link #reset()}. */
    public static long nanos() {
        return NANOS.get()[0];
    }

    public static void reset() {
        NANOS.get()[0] = 0;
    }
}
