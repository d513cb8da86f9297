package dev.ddtstream.gpu.llama;

/**
 * How a token is chosen from the (guided, mode-restricted) logits.
 *
 * <p>{@code temperature == 0} is greedy: the first index of the maximum, exactly as the Python
 * reference ({@code torch.argmax}); golden files are produced that way, since the manifest's
 * {@code rng_contract} says torch's RNG is not reproduced. Otherwise the logits are divided by
 * the temperature, restricted to the {@code topK} largest (ties with the k-th kept, as the
 * reference does; 0 = no limit), then to the smallest set whose probability reaches
 * {@code topP} (1 = no limit), and one token is drawn from the softmax with a
 * {@link java.util.SplittableRandom} seeded by {@code seed}. Each request owns its generator,
 * so a request's tokens depend only on its own seed, not on the batch it shares.
 */
public record Sampling(double temperature, int topK, double topP, long seed) {

    public Sampling {
        if (!Double.isFinite(temperature) || temperature < 0) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0 (0 = no limit), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
    }

    /** Greedy (argmax) decoding: the golden-file mode. */
    public static Sampling greedy() {
        return new Sampling(0, 0, 1, 0);
    }

    /** Seeded sampling at {@code temperature} with optional top-k (0 = off). */
    public static Sampling sample(double temperature, int topK, long seed) {
        return new Sampling(temperature, topK, 1, seed);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
