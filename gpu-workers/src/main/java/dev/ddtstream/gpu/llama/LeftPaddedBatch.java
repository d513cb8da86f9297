package dev.ddtstream.gpu.llama;

import java.util.Arrays;
import java.util.List;

/**
 * Prompts of different lengths as one prefill batch, left-padded as the reference does: pad
 * id and mask 0 in front, position = max(cumsum(mask) - 1, 0), so every prompt's last token
 * sits in the last column.
 */
record LeftPaddedBatch(long[] ids, long[] mask, long[] positions, long[] lastPositions, int rows, int length) {

    static LeftPaddedBatch of(List<int[]> prompts, int padId) {
        int rows = prompts.size();
        int len = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        long[] ids = new long[rows * len];
        long[] mask = new long[rows * len];
        long[] pos = new long[rows * len];
        long[] last = new long[rows];
        Arrays.fill(ids, padId);
        for (int b = 0; b < rows; b++) {
            int[] p = prompts.get(b);
            int off = len - p.length;
            for (int i = 0; i < p.length; i++) {
                ids[b * len + off + i] = p[i];
                mask[b * len + off + i] = 1;
                pos[b * len + off + i] = i;
            }
            last[b] = p.length - 1;
        }
        return new LeftPaddedBatch(ids, mask, pos, last, rows, len);
    }
}
