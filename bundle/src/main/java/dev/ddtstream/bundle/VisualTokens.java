package dev.ddtstream.bundle;


/**
 * Converts between the tokenizer's order (codes V_1..V_T, index 0 = finest) and the LLaMA's
 * image spans (ids {@code visualOffset + code}, coarse-first V_T..V_1).
 */
public final class VisualTokens {

    private VisualTokens() {
    }

    /** LLaMA ids, coarse-first, to codes in tokenizer order. */
    public static int[] toCodes(VocabularyLayout v, int[] llmIds) {
        int n = llmIds.length;
        int[] codes = new int[n];
        for (int i = 0; i < n; i++) {
            int id = llmIds[n - 1 - i];
            if (!v.isVisual(id)) {
                throw new IllegalArgumentException("token " + id + " at " + (n - 1 - i) + " is not a visual id");
            }
            codes[i] = id - v.visualOffset();
        }
        return codes;
    }

    /** Codes in tokenizer order to LLaMA ids, coarse-first. */
    public static int[] toLlmIds(VocabularyLayout v, int[] codes) {
        int n = codes.length;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            int c = codes[n - 1 - i];
            if (c < 0 || c >= v.codebookSize()) {
                throw new IllegalArgumentException("code " + c + " outside [0, " + v.codebookSize() + ")");
            }
            ids[i] = v.visualOffset() + c;
        }
        return ids;
    }
}
