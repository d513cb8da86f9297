package dev.ddtstream.gpu.llama;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks one token from logits whose disallowed entries are already negative infinity. */
final class TokenChooser {

    private TokenChooser() {
    }

    static int choose(float[] logits, Sampling p, SplittableRandom rng) {
        if (p.isGreedy()) {
            return argmax(logits);
        }
        int v = logits.length;
        float temp = (float) p.temperature();
        float[] g = new float[v];
        for (int i = 0; i < v; i++) {
            g[i] = logits[i] / temp;
        }
        if (p.topK() > 0 && p.topK() < v) {
            float[] sorted = g.clone();
            Arrays.sort(sorted);
            float kth = sorted[v - p.topK()];
            for (int i = 0; i < v; i++) {
                if (g[i] < kth) {
                    g[i] = Float.NEGATIVE_INFINITY;
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
            prob[i] = g[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp(g[i] - max);
            sum += prob[i];
        }
        for (int i = 0; i < v; i++) {
            prob[i] /= sum;
        }
        if (p.topP() < 1) {
            nucleus(prob, p.topP());
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
        // rounding left the cumulative sum just under u: take the last allowed token
        return last >= 0 ? last : argmax(logits);
    }

    /** Keeps the most probable tokens until their mass reaches {@code topP}; renormalises. */
    private static void nucleus(double[] prob, double topP) {
        Integer[] order = new Integer[prob.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(prob[b], prob[a]));
        double acc = 0;
        int keep = 0;
        while (keep < order.length && acc < topP) {
            acc += prob[order[keep++]];
        }
        for (int i = keep; i < order.length; i++) {
            prob[order[i]] = 0;
        }
        for (int i = 0; i < prob.length; i++) {
            prob[i] /= acc;
        }
    }

    /** First index of the maximum, as {@code torch.argmax}. */
    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
