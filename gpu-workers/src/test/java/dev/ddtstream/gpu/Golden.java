package dev.ddtstream.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddtstream.gpu.bundle.ModelBundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assertions;

/** Reads the bundle's golden files: tensors are {dtype, shape, data} with row-major data. */
public final class Golden {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Golden() {
    }

    public static JsonNode read(ModelBundle b, String name) {
        String rel = b.manifest().goldenFiles().get(name);
        if (rel == null) {
            throw new AssertionError("manifest golden.files has no " + name);
        }
        Path f = b.resolve(rel);
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] floats(JsonNode tensor) {
        JsonNode d = tensor.get("data");
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) d.get(i).asDouble();
        }
        return out;
    }

    public static long[] longs(JsonNode tensor) {
        JsonNode d = tensor.has("data") ? tensor.get("data") : tensor;
        long[] out = new long[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get(i).asLong();
        }
        return out;
    }

    public static int[] ints(JsonNode arrayOrTensor) {
        long[] l = longs(arrayOrTensor);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    public static int[] shape(JsonNode tensor) {
        return ints(tensor.get("shape"));
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("length " + a.length + " != " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    /**
     * Asserts that image tokens computed in Java equal the golden ones. An undertrained
     * tokenizer has near-duplicate codes (the encoder golden's top-2 cosine margins are all
     * below 1e-4), where ONNX Runtime and torch may legitimately pick different ones of a tie;
     * for such a bundle at most 2 of T tokens may differ, and the count is reported.
     */
    public static void assertImageTokens(ModelBundle b, int[] want, int[] got, String what) {
        Assertions.assertEquals(want.length, got.length, what + ": token count");
        int diff = 0;
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) {
                diff++;
            }
        }
        System.out.println("GOLDEN " + b.directory() + " " + what + " token mismatches=" + diff + " of " + want.length);
        if (diff == 0) {
            return;
        }
        float[] margins = floats(read(b, "encoder").get("extra").get("top2_cosine_margin"));
        double maxMargin = 0;
        for (float m : margins) {
            maxMargin = Math.max(maxMargin, m);
        }
        Assertions.assertTrue(maxMargin < 1e-4 && diff <= 2, what + ": " + diff
                + " tokens differ from golden " + Arrays.toString(want) + " vs " + Arrays.toString(got)
                + " (encoder golden max top-2 margin " + maxMargin + ")");
    }

    /** Packed RGB pixels of image {@code index} of a uint8 (N,S,S,3) tensor. */
    public static int[] rgbImage(JsonNode u8Nhwc, int index) {
        int[] shape = shape(u8Nhwc);
        int p = shape[1] * shape[2];
        JsonNode d = u8Nhwc.get("data");
        int[] rgb = new int[p];
        for (int i = 0; i < p; i++) {
            int o = (index * p + i) * 3;
            rgb[i] = d.get(o).asInt() << 16 | d.get(o + 1).asInt() << 8 | d.get(o + 2).asInt();
        }
        return rgb;
    }
}
