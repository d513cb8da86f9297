package dev.ddtstream.gpu.mmdit;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ddtstream.bundle.BundleManifest;
import dev.ddtstream.bundle.PixelNormalization;
import dev.ddtstream.bundle.RgbImages;
import dev.ddtstream.bundle.SamplerSchedule;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.gpu.engine.InputError.Reason;
import dev.ddtstream.gpu.engine.InvalidInputException;
import dev.ddtstream.gpu.engine.ItemResult;
import dev.ddtstream.gpu.engine.OrtCallClock;
import dev.ddtstream.gpu.engine.Tensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The MMDiT rectified-flow sampler: from x_1 (noise) it takes {@code steps} Euler steps at
 * t_k = k/steps, k = steps..1, each predicting x0 with the denoiser graph (which reveals the
 * first ceil(t*T - 1e-4) tokens itself, for any step count), x = x0 + (s(t_{k-1})/s(t_k))(x - x0)
 * with the bundle's noise levels s ({@link SamplerSchedule}), ending at x = x0; then clamps to
 * [-1, 1] and denormalises to an RGB PNG.
 *
 * <p>Each image may take its own number of steps (the bundle's {@code sampler.steps} or fewer):
 * every denoiser call serves each unfinished image at its own t, and an image that has taken its
 * last step leaves the batch, so a short render never waits on a long one's compute. The steps
 * themselves are {@link SampleLoop}'s, which images may also join between steps.
 *
 * <p>Seeded noise is N(0,1) from {@link SplittableRandom#nextGaussian()}; it does not
 * reproduce torch's generator, so golden tests pass the stored noise instead.
 */
public final class MmditSampler {

    /** Receives x after each step (for tests and diagnostics): (n, 3, S, S) row-major. */
    @FunctionalInterface
    public interface StepObserver {
        void afterStep(int stepIndex, float[] x);
    }

    private final OrtSession session;
    private final OrtEnvironment env;
    private final int side;
    private final int tokens;
    private final int codebook;
    private final SamplerSchedule schedule;
    private final PixelNormalization norm;

    public MmditSampler(ModelBundle bundle) {
        BundleManifest m = bundle.manifest();
        this.session = bundle.session(BundleManifest.DENOISER);
        this.env = bundle.sessionFactory().environment();
        this.side = m.imageSize();
        this.tokens = m.tokensPerImage();
        this.codebook = m.vocabulary().codebookSize();
        this.schedule = m.sampler();
        this.norm = m.normalization();
    }

    public int imageSize() {
        return side;
    }

    /** Renders a batch; a request with bad codes or noise fails alone. */
    public List<ItemResult<SampledImage>> sample(List<SampleRequest> requests) {
        return sample(requests, null);
    }

    /** The bundle's sampler steps: the default, and the most a request may ask for. */
    public int steps() {
        return schedule.steps();
    }

    SamplerSchedule schedule() {
        return schedule;
    }

    /**
     * Renders a batch; a request with bad codes, noise or steps fails alone. The observer sees x of
     * the images still sampling after each call ({@code stepIndex} counts calls).
     */
    public List<ItemResult<SampledImage>> sample(List<SampleRequest> requests, StepObserver observer) {
        List<ItemResult<SampledImage>> results = new ArrayList<>(Collections.nCopies(requests.size(), null));
        SampleLoop<Integer> loop = new SampleLoop<>(this, Math.max(1, requests.size()));
        for (int i = 0; i < requests.size(); i++) {
            try {
                loop.join(requests.get(i), i);
            } catch (InvalidInputException e) {
                results.set(i, ItemResult.failed(e.toError()));
            }
        }
        for (int call = 0; !loop.isEmpty(); call++) {
            for (SampleLoop.Finished<Integer> f : loop.step(observer, call)) {
                results.set(f.tag(), ItemResult.ok(f.image()));
            }
        }
        return results;
    }

    int plane() {
        return 3 * side * side;
    }

    int tokens() {
        return tokens;
    }

    int checkSteps(int requested) throws InvalidInputException {
        int steps = schedule.steps();
        if (requested == 0) {
            return steps;
        }
        if (requested < 1 || requested > steps) {
            throw new InvalidInputException(Reason.INVALID_PARAMETER, "steps must be in [1, " + steps + "] (0 = "
                    + steps + "), got " + requested);
        }
        return requested;
    }

    /**
     * One denoiser call: x0 predicted from {@code xt} (n,3,S,S), {@code t} (n) and codes
     * {@code ids} (n,T) in tokenizer order.
     */
    public float[] denoise(float[] xt, float[] t, long[] ids, int n) {
        try (OnnxTensor xT = Tensors.floats(env, xt, n, 3, side, side);
             OnnxTensor tT = Tensors.floats(env, t, n);
             OnnxTensor idT = Tensors.longs(env, ids, n, tokens);
             OrtSession.Result r = OrtCallClock.run(session, Map.of("x_t", xT, "t", tT, "tokens", idT))) {
            return Tensors.toFloats((OnnxTensor) r.get("x0").orElseThrow());
        } catch (OrtException e) {
            throw new EngineException("denoiser failed on a batch of " + n + ": " + e.getMessage(), e);
        }
    }

    int[] checkCodes(int[] c) throws InvalidInputException {
        if (c == null || c.length != tokens) {
            throw new InvalidInputException(Reason.WRONG_TOKEN_COUNT, "expected " + tokens + " codes, got "
                    + (c == null ? "none" : Integer.toString(c.length)));
        }
        for (int i = 0; i < c.length; i++) {
            if (c[i] < 0 || c[i] >= codebook) {
                throw new InvalidInputException(Reason.TOKEN_OUT_OF_RANGE, "code " + i + " is " + c[i]
                        + ", outside [0, " + codebook + ")");
            }
        }
        return c;
    }

    float[] initialNoise(SampleRequest r) throws InvalidInputException {
        int plane = plane();
        if (r.noise() == null) {
            SplittableRandom rng = new SplittableRandom(r.seed());
            float[] z = new float[plane];
            for (int i = 0; i < plane; i++) {
                z[i] = (float) rng.nextGaussian();
            }
            return z;
        }
        if (r.noise().length != plane) {
            throw new InvalidInputException(Reason.INVALID_PARAMETER, "noise has " + r.noise().length + " values, expected " + plane);
        }
        for (float v : r.noise()) {
            if (!Float.isFinite(v)) {
                throw new InvalidInputException(Reason.INVALID_PARAMETER, "noise contains a non-finite value");
            }
        }
        return r.noise().clone();
    }

    SampledImage render(float[] x) {
        int p = side * side;
        int[] rgb = new int[p];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(-1f, Math.min(1f, x[i]));
        }
        for (int i = 0; i < p; i++) {
            rgb[i] = norm.denormalize(x[i]) << 16 | norm.denormalize(x[p + i]) << 8 | norm.denormalize(x[2 * p + i]);
        }
        return new SampledImage(x, rgb, RgbImages.png(rgb, side));
    }
}
