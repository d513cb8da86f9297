package dev.ddtstream.gpu.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/** Small helpers to build ONNX Runtime tensors from flat row-major arrays. */
public final class Tensors {
    private Tensors() {
    }

    public static OnnxTensor floats(OrtEnvironment env, float[] data, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
    }

    public static OnnxTensor longs(OrtEnvironment env, long[] data, long... shape) throws OrtException {
        return OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape);
    }

    /** Copies a float tensor's data out into a heap array. */
    public static float[] toFloats(OnnxTensor t) {
        FloatBuffer b = t.getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    public static long[] toLongs(OnnxTensor t) {
        LongBuffer b = t.getLongBuffer();
        long[] out = new long[b.remaining()];
        b.get(out);
        return out;
    }
}
