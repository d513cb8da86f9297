package dev.ddtstream.gpu.mmdit;

import dev.ddtstream.gpu.engine.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Step-level batching of MMDiT sampling: images join at any step and leave at the step they
 * finish. Each {@link #step()} is one denoiser call for every image in the loop, each at its own
 * t (its own step count and progress), then the Euler update of each; an image that has taken
 * its last step is rendered and returned. An image's result does not depend on the company it
 * keeps: the denoiser treats each row alone.
 *
 * <p>One thread drives a loop; {@code T} tags each image for its caller.
 */
public final class SampleLoop<T> {

    /** An image that finished this step, with the tag it joined with. */
    public record Finished<T>(T tag, SampledImage image) {
    }

    private final MmditSampler sampler;
    private final int maxImages;
    private final List<Image<T>> live = new ArrayList<>();

    /** @param maxImages the most images sampling together */
    public SampleLoop(MmditSampler sampler, int maxImages) {
        if (maxImages < 1) {
            throw new IllegalArgumentException("a sample loop needs room for an image, got " + maxImages);
        }
        this.sampler = sampler;
        this.maxImages = maxImages;
    }

    public boolean hasRoom() {
        return live.size() < maxImages;
    }

    public int size() {
        return live.size();
    }

    public boolean isEmpty() {
        return live.isEmpty();
    }

    /**
     * Adds an image; it takes its first step at the next {@link #step()}.
     *
     * @throws InvalidInputException bad codes, noise or steps (it never joins)
     * @throws IllegalStateException the loop is full
     */
    public void join(SampleRequest request, T tag) throws InvalidInputException {
        if (!hasRoom()) {
            throw new IllegalStateException("no room to join: " + maxImages + " images sampling");
        }
        live.add(new Image<>(tag, sampler.checkCodes(request.codes()), sampler.initialNoise(request), sampler.checkSteps(request.steps())));
    }

    /** Removes the images whose tags match, without a result; returns their tags. */
    public List<T> cancel(Predicate<T> which) {
        List<T> out = new ArrayList<>();
        live.removeIf(img -> {
            boolean gone = which.test(img.tag);
            if (gone) {
                out.add(img.tag);
            }
            return gone;
        });
        return out;
    }

    /** One denoiser call for every image and its Euler update; returns the images that finished. */
    public List<Finished<T>> step() {
        return step(null, 0);
    }

    List<Finished<T>> step(MmditSampler.StepObserver observer, int call) {
        int n = live.size();
        if (n == 0) {
            return List.of(); // the graph takes no empty batch
        }
        int plane = sampler.plane();
        int tokens = sampler.tokens();
        float[] x = new float[n * plane];
        float[] t = new float[n];
        long[] ids = new long[n * tokens];
        for (int b = 0; b < n; b++) {
            Image<T> img = live.get(b);
            System.arraycopy(img.x, 0, x, b * plane, plane);
            t[b] = (float) img.k / img.steps;
            for (int j = 0; j < tokens; j++) {
                ids[b * tokens + j] = img.codes[j];
            }
        }
        float[] x0 = sampler.denoise(x, t, ids, n);
        for (int b = 0; b < n; b++) {
            Image<T> img = live.get(b);
            float ratio = (float) sampler.schedule().keep(img.k, img.steps);
            for (int i = 0; i < plane; i++) {
                float x0i = x0[b * plane + i];
                img.x[i] = x0i + ratio * (img.x[i] - x0i);
            }
            img.k--;
        }
        if (observer != null) {
            float[] after = new float[n * plane];
            for (int b = 0; b < n; b++) {
                System.arraycopy(live.get(b).x, 0, after, b * plane, plane);
            }
            observer.afterStep(call, after);
        }
        List<Finished<T>> finished = new ArrayList<>();
        live.removeIf(img -> {
            if (img.k > 0) {
                return false;
            }
            finished.add(new Finished<>(img.tag, sampler.render(img.x)));
            return true;
        });
        return finished;
    }

    /** One image's sampling state: x, and the steps it has left (k) of its {@code steps}. */
    private static final class Image<T> {
        final T tag;
        final int[] codes;
        final float[] x;
        final int steps;
        int k;

        Image(T tag, int[] codes, float[] x, int steps) {
            this.tag = tag;
            this.codes = codes;
            this.x = x;
            this.steps = steps;
            this.k = steps;
        }
    }
}
