package dev.ddtstream.bundle;

import java.util.Map;

/**
 * The LLaMA vocabulary layout: half-open id ranges for words and visual codes, and the
 * special tokens. A visual id is {@code visualOffset + code}.
 */
public record VocabularyLayout(int vocabSize, int wordStart, int wordEnd, int visualOffset, int codebookSize,
                               Map<String, Integer> specials) {

    public VocabularyLayout {
        specials = Map.copyOf(specials);
    }

    public int special(String name) {
        Integer id = specials.get(name);
        if (id == null) {
            throw new IllegalArgumentException("no special token " + name);
        }
        return id;
    }

    public int pad() {
        return special("<pad>");
    }

    public int eos() {
        return special("<eos>");
    }

    public boolean isVisual(int id) {
        return id >= visualOffset && id < visualOffset + codebookSize;
    }

    public boolean isWord(int id) {
        return id >= wordStart && id < wordEnd;
    }
}
