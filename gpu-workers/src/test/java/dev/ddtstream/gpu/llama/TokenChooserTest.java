package dev.ddtstream.gpu.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenChooserTest {

    private static final float NEG = Float.NEGATIVE_INFINITY;

    @Test
    void greedyTakesTheFirstMaximum() {
        assertEquals(1, TokenChooser.choose(new float[] {0, 3, 3, NEG}, Sampling.greedy(), new SplittableRandom(1)));
    }

    @Test
    void samplingNeverPicksMaskedTokensAndRespectsTopK() {
        float[] logits = {NEG, 1.0f, 0.9f, 0.8f, 0.7f, NEG};
        Set<Integer> seen = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 2000; i++) {
            seen.add(TokenChooser.choose(logits, Sampling.sample(1.0, 2, 0), rng));
        }
        assertEquals(Set.of(1, 2), seen);
    }

    @Test
    void topPKeepsTheSmallestNucleus() {
        float[] logits = {5f, 4f, -5f, -5f};
        Set<Integer> seen = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(4);
        for (int i = 0; i < 2000; i++) {
            seen.add(TokenChooser.choose(logits, new Sampling(1.0, 0, 0.9, 0), rng));
        }
        assertEquals(Set.of(0, 1), seen);
    }

    @Test
    void temperatureOneSamplesRoughlyBySoftmax() {
        float[] logits = {0f, (float) Math.log(3)};
        SplittableRandom rng = new SplittableRandom(5);
        int ones = 0;
        for (int i = 0; i < 4000; i++) {
            ones += TokenChooser.choose(logits, Sampling.sample(1.0, 0, 0), rng);
        }
        assertTrue(Math.abs(ones / 4000.0 - 0.75) < 0.03, "P(1) = " + ones / 4000.0);
    }

    @Test
    void invalidParamsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sampling(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(1, -1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(Double.NaN, 0, 1, 0));
    }
}
