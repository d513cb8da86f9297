package dev.ddtstream.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The Hugging Face path takes a LLaMA 3 style tokenizer too: byte-level BPE with the LLaMA 3
 * split regex, a ByteLevel decoder and a template that would add {@code <|begin_of_text|>}. The
 * fixture is hand-made (small vocabulary, real structure): no model hub is reachable here.
 */
class TextTokenizerTest {

    private static final Path LLAMA3_STYLE = Path.of("src/test/resources/llama3-style-bpe.json");

    @Test
    void aLlama3StyleByteLevelBpeFileRoundTripsAnyText() {
        try (TextTokenizer t = TextTokenizer.load(LLAMA3_STYLE)) {
            for (String text : new String[] {"hello world", "don't stop", "  leading spaces\nand a newline", "naïve café 東京 🚀"}) {
                int[] ids = t.encode(text);
                assertTrue(ids.length > 0, text);
                assertEquals(text, t.decode(ids), "round trip of '" + text + "'");
            }
        }
    }

    @Test
    void noSpecialTokenIsAddedSinceTheTemplatesPlaceThem() {
        try (TextTokenizer t = TextTokenizer.load(LLAMA3_STYLE)) {
            int[] ids = t.encode("hello");
            for (int id : ids) {
                assertTrue(id != 274, "<|begin_of_text|> (274) must not be added: " + Arrays.toString(ids));
            }
        }
    }

    @Test
    void theBundlesWordLevelFileEncodesWords() {
        Path bundle = BundleLocator.committed().orElseThrow();
        try (TextTokenizer t = TextTokenizer.load(bundle.resolve("tokenizer.json"))) {
            assertArrayEquals(new int[] {44, 34, 18}, t.encode("two red circles"));
            assertEquals("two red circles", t.decode(new int[] {44, 34, 18}));
        }
    }
}
