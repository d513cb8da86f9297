package dev.ddtstream.bundle;

/**
 * The MMDiT sampler's timesteps and noise levels (manifest {@code sampler}). Step k of n runs at
 * timestep t_k = k/n, which decides the visible tokens; the image is noised to level
 * s(t) = shift*t / (1 + (shift-1)*t), so x_t = s(t)*eps + (1 - s(t))*x0. A shift of 1 is the
 * method's plain schedule s(t) = t; below 1 an intermediate timestep keeps more of the image.
 *
 * @param steps       the bundle's step count: the default, and the most a request may ask for
 * @param noiseShift  the shift of s(t) ({@code sampler.noise_shift}; 1 when the manifest has none)
 */
public record SamplerSchedule(int steps, double noiseShift) {

    public SamplerSchedule {
        if (steps < 1 || !(noiseShift > 0) || Double.isInfinite(noiseShift)) {
            throw new IllegalArgumentException("sampler schedule out of range: " + steps + " steps, noise shift " + noiseShift);
        }
    }

    /** The noise level s(t) at timestep t in [0, 1]. */
    public double noiseLevel(double t) {
        return noiseShift * t / (1 + (noiseShift - 1) * t);
    }

    /**
     * s(t_{k-1}) / s(t_k): the share of x - x0_hat that the Euler step from step k of n keeps
     * (0 after the last step, which leaves x = x0_hat).
     */
    public double keep(int k, int n) {
        return noiseLevel((k - 1) / (double) n) / noiseLevel(k / (double) n);
    }
}
