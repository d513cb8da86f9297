package dev.ddtstream.bundle;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's bindings of the Rust tokenizers library: the
 * bundle's word-level file, or a LLaMA 3 byte-level BPE file, through the same code. No special
 * tokens are added (the prompt templates place them), and nothing is truncated or padded.
 * Thread-safe.
 */
public final class TextTokenizer implements AutoCloseable {

    static {
        // The jar carries the CPU build of the native library; never look for a CUDA build online.
        System.setProperty("offline", System.getProperty("offline", "true"));
    }

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    public static TextTokenizer load(Path tokenizerJson) {
        try {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson,
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")), tokenizerJson);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer " + tokenizerJson, e);
        }
    }

    /** Token ids of {@code text}, no special tokens added. */
    public int[] encode(String text) {
        Encoding e = tokenizer.encode(text, false, false);
        long[] ids = e.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** Text of {@code ids}, special tokens skipped. */
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "TextTokenizer[" + file + "]";
    }
}
