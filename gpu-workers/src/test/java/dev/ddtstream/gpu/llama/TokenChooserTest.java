package dev.ddtstream.gpu.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenChooserTest {

    private static final float NEG = Float.NEGATIVE_INFINITY;

    /** Unguided logits over the whole array: entries of negative infinity are the disallowed ones. */
    private static int choose(float[] logits, Sampling p, SplittableRandom rng) {
        return TokenChooser.choose(new TokenChooser.Guided(logits, null, 1f), new int[] {0, logits.length}, p, rng);
    }

    @Test
    void greedyTakesTheFirstMaximum() {
        assertEquals(1, choose(new float[] {0, 3, 3, NEG}, Sampling.greedy(), new SplittableRandom(1)));
    }

    @Test
    void samplingNeverPicksMaskedTokensAndRespectsTopK() {
        float[] logits = {NEG, 1.0f, 0.9f, 0.8f, 0.7f, NEG};
        Set<Integer> seen = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 2000; i++) {
            seen.add(choose(logits, Sampling.sample(1.0, 2, 0), rng));
        }
        assertEquals(Set.of(1, 2), seen);
    }

    @Test
    void topPKeepsTheSmallestNucleus() {
        float[] logits = {5f, 4f, -5f, -5f};
        Set<Integer> seen = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(4);
        for (int i = 0; i < 2000; i++) {
            seen.add(choose(logits, new Sampling(1.0, 0, 0.9, 0), rng));
        }
        assertEquals(Set.of(0, 1), seen);
    }

    @Test
    void temperatureOneSamplesRoughlyBySoftmax() {
        float[] logits = {0f, (float) Math.log(3)};
        SplittableRandom rng = new SplittableRandom(5);
        int ones = 0;
        for (int i = 0; i < 4000; i++) {
            ones += choose(logits, Sampling.sample(1.0, 0, 0), rng);
        }
        assertTrue(Math.abs(ones / 4000.0 - 0.75) < 0.03, "P(1) = " + ones / 4000.0);
    }

    @Test
    void onlyTheAllowedRangesAreRead() {
        // outside the ranges: values that would win if they were read
        float[] logits = {100f, 1f, 2f, 100f, 100f, 0.5f, 100f};
        int[] ranges = {1, 3, 5, 6};
        assertEquals(2, TokenChooser.choose(new TokenChooser.Guided(logits, null, 1f), ranges, Sampling.greedy(), new SplittableRandom(1)));
        Set<Integer> seen = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < 2000; i++) {
            seen.add(TokenChooser.choose(new TokenChooser.Guided(logits, null, 1f), ranges, Sampling.sample(1.0, 0, 0), rng));
        }
        assertEquals(Set.of(1, 2, 5), seen);
    }

    @Test
    void selectionGivesTheSameTokensAsAFullVocabularySoftmax() {
        SplittableRandom gen = new SplittableRandom(42);
        for (int trial = 0; trial < 3000; trial++) {
            int v = 1 + gen.nextInt(300);
            float[] logits = new float[v];
            for (int i = 0; i < v; i++) {
                // few distinct values, so ties with the k-th are common; some entries masked
                logits[i] = gen.nextInt(10) == 0 ? NEG : (gen.nextBoolean() ? gen.nextInt(6) : (float) gen.nextGaussian() * 3);
            }
            logits[gen.nextInt(v)] = 1f; // a mode always allows some token
            int topK = gen.nextInt(4) == 0 ? 0 : 1 + gen.nextInt(v + 2);
            double topP = gen.nextInt(3) == 0 ? 1 : 0.05 + 0.95 * gen.nextDouble();
            double temperature = gen.nextInt(8) == 0 ? 0 : 0.2 + 2 * gen.nextDouble();
            Sampling p = new Sampling(temperature, topK, topP, 0);
            long seed = gen.nextLong();
            // half the trials guided: the reference writes the guided row out first, as the decoder once did
            float[] uncond = new float[v];
            for (int i = 0; i < v; i++) {
                uncond[i] = logits[i] == NEG ? NEG : (float) gen.nextGaussian() * 2;
            }
            float scale = gen.nextBoolean() ? 3f : 0f;
            boolean guided = scale > 0;
            float[] written = logits.clone();
            if (guided) {
                // a model's logits are finite: the decoder masks by reading only the allowed ranges
                for (int i = 0; i < v; i++) {
                    logits[i] = logits[i] == NEG ? -7f : logits[i];
                    uncond[i] = uncond[i] == NEG ? 1f : uncond[i];
                    written[i] = uncond[i] + scale * (logits[i] - uncond[i]);
                }
            }
            int expected = FullSoftmaxReference.choose(written, p, new SplittableRandom(seed));
            TokenChooser.Guided read = new TokenChooser.Guided(logits, guided ? uncond : null, scale);
            assertEquals(expected, TokenChooser.choose(read, new int[] {0, v}, p, new SplittableRandom(seed)),
                    () -> "trial with v=" + v + " " + p + " guided " + guided + " logits " + Arrays.toString(logits));
        }
    }

    @Test
    void rangesAreTheRunsOfAllowedIds() {
        assertArrayEquals(new int[] {1, 3, 4, 5}, LlamaDecoder.ranges(new boolean[] {false, true, true, false, true}));
        assertArrayEquals(new int[] {0, 2}, LlamaDecoder.ranges(new boolean[] {true, true, false}));
        assertArrayEquals(new int[] {}, LlamaDecoder.ranges(new boolean[] {false}));
    }

    /** The full-vocabulary sampler the selection replaced: sort, softmax over every id, draw. */
    private static final class FullSoftmaxReference {
        static int choose(float[] logits, Sampling p, SplittableRandom rng) {
            if (p.isGreedy()) {
                int best = 0;
                for (int i = 1; i < logits.length; i++) {
                    if (logits[i] > logits[best]) {
                        best = i;
                    }
                }
                return best;
            }
            int v = logits.length;
            float[] g = new float[v];
            for (int i = 0; i < v; i++) {
                g[i] = logits[i] / (float) p.temperature();
            }
            if (p.topK() > 0 && p.topK() < v) {
                float[] sorted = g.clone();
                Arrays.sort(sorted);
                float kth = sorted[v - p.topK()];
                for (int i = 0; i < v; i++) {
                    if (g[i] < kth) {
                        g[i] = NEG;
                    }
                }
            }
            double max = Double.NEGATIVE_INFINITY;
            for (float x : g) {
                max = Math.max(max, x);
            }
            double[] prob = new double[v];
            double sum = 0;
            for (int i = 0; i < v; i++) {
                prob[i] = g[i] == NEG ? 0 : Math.exp(g[i] - max);
                sum += prob[i];
            }
            for (int i = 0; i < v; i++) {
                prob[i] /= sum;
            }
            if (p.topP() < 1) {
                Integer[] order = new Integer[v];
                for (int i = 0; i < v; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (a, b) -> Double.compare(prob[b], prob[a]));
                double acc = 0;
                int keep = 0;
                while (keep < v && acc < p.topP()) {
                    acc += prob[order[keep++]];
                }
                for (int i = keep; i < v; i++) {
                    prob[order[i]] = 0;
                }
                for (int i = 0; i < v; i++) {
                    prob[i] /= acc;
                }
            }
            double u = rng.nextDouble();
            double acc = 0;
            int last = -1;
            for (int i = 0; i < v; i++) {
                if (prob[i] > 0) {
                    acc += prob[i];
                    last = i;
                    if (u < acc) {
                        return i;
                    }
                }
            }
            return last;
        }
    }

    @Test
    void invalidParamsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sampling(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(1, -1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(Double.NaN, 0, 1, 0));
    }
}
