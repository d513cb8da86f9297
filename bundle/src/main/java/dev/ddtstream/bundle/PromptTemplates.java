package dev.ddtstream.bundle;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundle's prompt templates (manifest {@code templates}) as token ids:
 * <pre>
 * GENERATE  &lt;bos&gt; &lt;gen&gt; {caption} &lt;boi&gt;                      unconditional: &lt;bos&gt; &lt;gen&gt; &lt;boi&gt;
 * EDIT      &lt;bos&gt; &lt;edit&gt; &lt;boi&gt; V_T..V_1 &lt;eoi&gt; {instruction} &lt;boi&gt;   unconditional: without {instruction}
 * CAPTION   &lt;bos&gt; &lt;cap&gt; &lt;boi&gt; V_T..V_1 &lt;eoi&gt; {question} &lt;sep&gt;
 * </pre>
 * Codes come in tokenizer order V_1..V_T and go into the sequence coarse-first.
 */
public final class PromptTemplates implements AutoCloseable {

    private final BundleManifest manifest;
    private final TextTokenizer text;
    private final VocabularyLayout vocab;
    private final int bos;
    private final int gen;
    private final int edit;
    private final int cap;
    private final int boi;
    private final int eoi;
    private final int sep;

    private PromptTemplates(BundleManifest manifest, TextTokenizer text) {
        this.manifest = manifest;
        this.text = text;
        this.vocab = manifest.vocabulary();
        this.bos = vocab.special("<bos>");
        this.gen = vocab.special("<gen>");
        this.edit = vocab.special("<edit>");
        this.cap = vocab.special("<cap>");
        this.boi = vocab.special("<boi>");
        this.eoi = vocab.special("<eoi>");
        this.sep = vocab.special("<sep>");
    }

    /** The templates of the bundle in {@code bundleDir}: its manifest and its {@code tokenizer.json}. */
    public static PromptTemplates load(Path bundleDir) {
        BundleManifest m = ManifestReader.read(bundleDir);
        return new PromptTemplates(m, TextTokenizer.load(bundleDir.resolve(m.tokenizerFile())));
    }

    public BundleManifest manifest() {
        return manifest;
    }

    @Override
    public void close() {
        text.close();
    }

    /** Text token ids of {@code s}: what the length limit counts. */
    public int[] words(String s) {
        return s == null || s.isBlank() ? new int[0] : text.encode(s);
    }

    public List<Integer> generate(String caption) {
        return ids(bos, gen, words(caption), boi);
    }

    public List<Integer> generateUnconditional() {
        return ids(bos, gen, boi);
    }

    public List<Integer> edit(int[] sourceCodes, String instruction) {
        return ids(bos, edit, boi, VisualTokens.toLlmIds(vocab, sourceCodes), eoi, words(instruction), boi);
    }

    public List<Integer> editUnconditional(int[] sourceCodes) {
        return ids(bos, edit, boi, VisualTokens.toLlmIds(vocab, sourceCodes), eoi, boi);
    }

    public List<Integer> caption(int[] codes, String question) {
        return ids(bos, cap, boi, VisualTokens.toLlmIds(vocab, codes), eoi, words(question), sep);
    }

    /** Caption text of generated ids: words joined by one space, specials dropped. */
    public String captionText(List<Integer> ids) {
        return text.decode(ids.stream().filter(vocab::isWord).mapToInt(Integer::intValue).toArray());
    }

    private static List<Integer> ids(Object... parts) {
        List<Integer> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Integer i) {
                out.add(i);
            } else {
                for (int v : (int[]) p) {
                    out.add(v);
                }
            }
        }
        return out;
    }
}
