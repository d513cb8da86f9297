package dev.ddtstream.gpu.mmdit;

/**
 * One image to render from its tokens.
 *
 * @param codes the T codes in tokenizer order V_1..V_T
 * @param noise the initial x_1, (3, S, S) row-major float32; null to draw N(0,1) noise from {@code seed}
 * @param seed  seed of the noise generator when {@code noise} is null
 * @param steps sampler steps for this image, 1 up to the bundle's {@code sampler.steps}; 0 for the bundle's
 */
public record SampleRequest(int[] codes, float[] noise, long seed, int steps) {

    public static SampleRequest seeded(int[] codes, long seed) {
        return new SampleRequest(codes, null, seed, 0);
    }

    public static SampleRequest withNoise(int[] codes, float[] noise) {
        return new SampleRequest(codes, noise, 0, 0);
    }

    /** The same image in {@code steps} sampler steps. */
    public SampleRequest withSteps(int steps) {
        return new SampleRequest(codes, noise, seed, steps);
    }
}
