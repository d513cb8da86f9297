package dev.ddtstream.gpu.llama;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks one token from the logits inside the allowed index ranges (the mode's vocabulary);
 * entries outside them are never read, and an allowed entry of negative infinity is never picked.
 *
 * <p>Cost is one pass over the allowed entries plus work in proportion to top-k: the k largest
 * are selected with a bounded heap (ties with the k-th kept, as the reference does), and the
 * softmax, top-p and the draw run over that set alone. The arithmetic is the reference's, in its
 * order (float division by the temperature, double softmax summed by ascending index, top-p by
 * descending probability with ties by index, the draw accumulated by ascending index), so a seed
 * gives the same token as a full-vocabulary softmax would.
 */
final class TokenChooser {

    private TokenChooser() {
    }

    /**
     * Logits with classifier-free guidance applied as they are read, so the guided row is never
     * written out: {@code uncond + scale * (cond - uncond)} in float32, as torch computes it, or
     * {@code cond} alone when {@code uncond} is null.
     */
    record Guided(float[] cond, float[] uncond, float scale) {
        float at(int i) {
            return uncond == null ? cond[i] : uncond[i] + scale * (cond[i] - uncond[i]);
        }
    }

    /**
     * @param ranges ascending, disjoint {@code [from, to)} pairs of allowed indices, flattened
     */
    static int choose(Guided logits, int[] ranges, Sampling p, SplittableRandom rng) {
        if (p.isGreedy()) {
            return argmax(logits, ranges);
        }
        Candidates c = candidates(logits, ranges, (float) p.temperature(), p.topK());
        if (c.size == 0) {
            return argmax(logits, ranges);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < c.size; i++) {
            max = Math.max(max, c.value[i]);
        }
        double[] prob = new double[c.size];
        double sum = 0;
        for (int i = 0; i < c.size; i++) {
            prob[i] = Math.exp(c.value[i] - max);
            sum += prob[i];
        }
        for (int i = 0; i < c.size; i++) {
            prob[i] /= sum;
        }
        if (p.topP() < 1) {
            nucleus(prob, p.topP());
        }
        double u = rng.nextDouble();
        double acc = 0;
        int last = -1;
        for (int i = 0; i < c.size; i++) {
            if (prob[i] > 0) {
                acc += prob[i];
                last = c.index[i];
                if (u < acc) {
                    return c.index[i];
                }
            }
        }
        // rounding left the cumulative sum just under u: take the last allowed token
        return last >= 0 ? last : argmax(logits, ranges);
    }

    /** The tokens a draw may pick, by ascending index, with their tempered logits. */
    private record Candidates(int[] index, float[] value, int size) {
    }

    /**
     * The finite allowed entries divided by the temperature; with {@code topK > 0}, only those at
     * least as large as the k-th largest. One pass: a min-heap holds the k largest so far, and an
     * entry is kept as a candidate while it is not below the heap's minimum, which only rises.
     */
    private static Candidates candidates(Guided logits, int[] ranges, float temp, int topK) {
        int allowed = 0;
        for (int r = 0; r < ranges.length; r += 2) {
            allowed += ranges[r + 1] - ranges[r];
        }
        boolean limited = topK > 0 && topK < allowed;
        float[] heap = limited ? new float[topK] : null;
        int heapSize = 0;
        int[] index = new int[limited ? Math.min(allowed, 4 * topK) : allowed];
        float[] value = new float[index.length];
        int size = 0;
        boolean divide = temp != 1f; // x / 1f == x exactly: the default temperature skips the division
        for (int r = 0; r < ranges.length; r += 2) {
            for (int i = ranges[r]; i < ranges[r + 1]; i++) {
                float l = logits.at(i);
                float g = divide ? l / temp : l;
                if (g == Float.NEGATIVE_INFINITY) {
                    continue;
                }
                if (limited) {
                    if (heapSize < topK) {
                        heapSize = push(heap, heapSize, g);
                    } else if (g > heap[0]) {
                        replaceMin(heap, heapSize, g);
                    } else if (g < heap[0]) {
                        continue;
                    }
                }
                if (size == index.length) {
                    index = Arrays.copyOf(index, size * 2);
                    value = Arrays.copyOf(value, size * 2);
                }
                index[size] = i;
                value[size++] = g;
            }
        }
        if (limited && heapSize == topK) {
            // keep only those not below the k-th largest (ties with it stay, as the reference keeps them)
            float kth = heap[0];
            int kept = 0;
            for (int i = 0; i < size; i++) {
                if (value[i] >= kth) {
                    index[kept] = index[i];
                    value[kept++] = value[i];
                }
            }
            size = kept;
        }
        return new Candidates(index, value, size);
    }

    private static int push(float[] heap, int size, float x) {
        int i = size;
        heap[i] = x;
        while (i > 0 && heap[(i - 1) / 2] > heap[i]) {
            swap(heap, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        return size + 1;
    }

    private static void replaceMin(float[] heap, int size, float x) {
        heap[0] = x;
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int smallest = i;
            if (l < size && heap[l] < heap[smallest]) {
                smallest = l;
            }
            if (l + 1 < size && heap[l + 1] < heap[smallest]) {
                smallest = l + 1;
            }
            if (smallest == i) {
                return;
            }
            swap(heap, i, smallest);
            i = smallest;
        }
    }

    private static void swap(float[] a, int i, int j) {
        float t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /** Keeps the most probable tokens until their mass reaches {@code topP}; renormalises. */
    private static void nucleus(double[] prob, double topP) {
        Integer[] order = new Integer[prob.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // a stable sort: equal probabilities stay in index order
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

    /** First index of the maximum inside the ranges, as {@code torch.argmax} over masked logits. */
    static int argmax(Guided x, int[] ranges) {
        int best = ranges[0];
        float max = x.at(best);
        for (int r = 0; r < ranges.length; r += 2) {
            for (int i = ranges[r]; i < ranges[r + 1]; i++) {
                float v = x.at(i);
                if (v > max) {
                    best = i;
                    max = v;
                }
            }
        }
        return best;
    }
}
