package dev.ddtstream.gpu.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ddtstream.bundle.BundleManifest;
import dev.ddtstream.bundle.PixelNormalization;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.gpu.engine.InvalidInputException;
import dev.ddtstream.gpu.engine.ItemResult;
import dev.ddtstream.gpu.engine.OrtCallClock;
import dev.ddtstream.gpu.engine.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The DDT image tokenizer stage: images in, T codes each out, in token order V_1..V_T
 * (index 0 = finest detail). One call runs one batch; an image that cannot be decoded fails
 * alone.
 */
public final class DdtEncoder {

    private final OrtSession session;
    private final ModelBundle bundle;
    private final ImageDecoder decoder;
    private final PixelNormalization norm;
    private final int side;
    private final int tokens;
    private final int codebook;
    private final String inputName;
    private final String outputName;

    public DdtEncoder(ModelBundle bundle, ImageLimits limits) {
        BundleManifest m = bundle.manifest();
        this.bundle = bundle;
        this.session = bundle.session(BundleManifest.ENCODER);
        this.side = m.imageSize();
        this.tokens = m.tokensPerImage();
        this.codebook = m.vocabulary().codebookSize();
        this.norm = m.normalization();
        this.decoder = new ImageDecoder(limits, side);
        this.inputName = m.graph(BundleManifest.ENCODER).inputs().get(0).name();
        this.outputName = m.graph(BundleManifest.ENCODER).outputs().get(0).name();
    }

    public DdtEncoder(ModelBundle bundle) {
        this(bundle, ImageLimits.defaults());
    }

    /** Tokens per image (T). */
    public int tokensPerImage() {
        return tokens;
    }

    /** Encodes encoded image files; each result holds T codes in [0, codebook). */
    public List<ItemResult<int[]>> encode(List<byte[]> images) {
        List<ItemResult<int[]>> results = new ArrayList<>(images.size());
        List<int[]> pixels = new ArrayList<>();
        for (byte[] img : images) {
            try {
                int[] rgb = decoder.decodeRgb(img);
                pixels.add(rgb);
                results.add(null);
            } catch (InvalidInputException e) {
                results.add(ItemResult.failed(e.toError()));
            }
        }
        if (pixels.isEmpty()) {
            return results;
        }
        int[][] codes = encodePixels(pixels);
        for (int i = 0, k = 0; i < results.size(); i++) {
            if (results.get(i) == null) {
                results.set(i, ItemResult.ok(codes[k++]));
            }
        }
        return results;
    }

    /** Encodes already-decoded {@code S*S} packed RGB images (row-major {@code 0xRRGGBB}). */
    public int[][] encodePixels(List<int[]> rgbImages) {
        int n = rgbImages.size();
        int plane = side * side;
        float[] x = new float[n * 3 * plane];
        for (int b = 0; b < n; b++) {
            int[] rgb = rgbImages.get(b);
            if (rgb.length != plane) {
                throw new IllegalArgumentException("image " + b + " has " + rgb.length + " pixels, expected " + plane);
            }
            int base = b * 3 * plane;
            for (int p = 0; p < plane; p++) {
                int c = rgb[p];
                x[base + p] = norm.normalize((c >> 16) & 0xFF);
                x[base + plane + p] = norm.normalize((c >> 8) & 0xFF);
                x[base + 2 * plane + p] = norm.normalize(c & 0xFF);
            }
        }
        return run(x, n);
    }

    private int[][] run(float[] x, int n) {
        try (OnnxTensor in = Tensors.floats(bundle.sessionFactory().environment(), x, n, 3, side, side);
             OrtSession.Result r = OrtCallClock.run(session, Map.of(inputName, in))) {
            long[] ids = Tensors.toLongs((OnnxTensor) r.get(outputName).orElseThrow());
            if (ids.length != (long) n * tokens) {
                throw new EngineException("encoder returned " + ids.length + " ids for " + n + " images of " + tokens + " tokens", null);
            }
            int[][] out = new int[n][tokens];
            for (int b = 0; b < n; b++) {
                for (int t = 0; t < tokens; t++) {
                    long id = ids[b * tokens + t];
                    if (id < 0 || id >= codebook) {
                        throw new EngineException("encoder returned code " + id + " outside [0, " + codebook + ")", null);
                    }
                    out[b][t] = (int) id;
                }
            }
            return out;
        } catch (OrtException e) {
            throw new EngineException("encoder failed on a batch of " + n + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "DdtEncoder[S=" + side + ", T=" + tokens + ", K=" + codebook + "]";
    }
}
