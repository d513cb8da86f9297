package dev.ddtstream.cli.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.ddtstream.bundle.VocabularyLayout;
import dev.ddtstream.gpu.llama.LlamaGraph;

/**
 * The baseline the KV cache is measured against: greedy IMAGE-mode decoding that runs the whole
 * sequence through the graph (empty past) for every new token. Same prompt in every row, so no
 * padding is involved; not for serving.
 */
final class RecomputeDecoder {

    private final LlamaGraph graph;
    private final VocabularyLayout vocab;

    RecomputeDecoder(LlamaGraph graph, VocabularyLayout vocab) {
        this.graph = graph;
        this.vocab = vocab;
    }

    /** {@code tokens} visual ids per row for {@code batch} copies of {@code prompt}. */
    int[][] decode(int[] prompt, int batch, int tokens) throws OrtException {
        int[][] out = new int[batch][tokens];
        float[] logits = new float[vocab.vocabSize()];
        for (int step = 0; step < tokens; step++) {
            int len = prompt.length + step;
            long[] ids = new long[batch * len];
            long[] mask = new long[batch * len];
            long[] positions = new long[batch * len];
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < len; i++) {
                    ids[b * len + i] = i < prompt.length ? prompt[i] : out[b][i - prompt.length];
                    mask[b * len + i] = 1;
                    positions[b * len + i] = i;
                }
            }
            try (OnnxTensor pk = graph.emptyPast(batch); OnnxTensor pv = graph.emptyPast(batch);
                 LlamaGraph.Step s = graph.forward(ids, mask, positions, batch, len, pk, pv)) {
                for (int b = 0; b < batch; b++) {
                    s.rowLogits(b, logits);
                    out[b][step] = argmaxVisual(logits);
                }
            }
        }
        return out;
    }

    private int argmaxVisual(float[] logits) {
        int best = vocab.visualOffset();
        for (int i = best + 1; i < vocab.visualOffset() + vocab.codebookSize(); i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
