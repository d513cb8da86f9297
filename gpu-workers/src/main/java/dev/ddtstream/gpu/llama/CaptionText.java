package dev.ddtstream.gpu.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddtstream.gpu.bundle.BundleException;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.bundle.VocabularyLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Turns TEXT-mode output ids into caption text as the bundle's templates say: word tokens
 * joined by one space, end-of-sequence and other non-word ids dropped. Reads only the
 * word-level vocabulary of {@code tokenizer.json}; prompt tokenisation lives elsewhere.
 */
public final class CaptionText {

    private final String[] words;
    private final VocabularyLayout vocab;

    public CaptionText(ModelBundle bundle) {
        this.vocab = bundle.manifest().vocabulary();
        Path f = bundle.resolve(bundle.manifest().tokenizerFile());
        this.words = new String[vocab.vocabSize()];
        try {
            JsonNode v = new ObjectMapper().readTree(f.toFile()).path("model").path("vocab");
            if (!v.isObject()) {
                throw new BundleException(f, "model.vocab", "word-level vocabulary is missing");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id = e.getValue().asInt(-1);
                if (id >= 0 && id < words.length) {
                    words[id] = e.getKey();
                }
            }
        } catch (IOException e) {
            throw new BundleException(f, null, "cannot read tokenizer file: " + e.getMessage(), e);
        }
        for (int id = vocab.wordStart(); id < vocab.wordEnd(); id++) {
            if (words[id] == null) {
                throw new BundleException(f, "model.vocab", "word id " + id + " has no entry");
            }
        }
    }

    public String decode(int[] ids) {
        StringJoiner j = new StringJoiner(" ");
        for (int id : ids) {
            if (vocab.isWord(id)) {
                j.add(words[id]);
            }
        }
        return j.toString();
    }
}
