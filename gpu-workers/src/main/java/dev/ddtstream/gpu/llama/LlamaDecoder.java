package dev.ddtstream.gpu.llama;

import ai.onnxruntime.OrtException;
import dev.ddtstream.bundle.VocabularyLayout;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.gpu.engine.InputError.Reason;
import dev.ddtstream.gpu.engine.InvalidInputException;
import dev.ddtstream.gpu.engine.ItemResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * LLaMA decoding with a KV cache, reproducing {@code models/ddt/generate.py}: prompts are
 * left-padded to a common length (pad id, mask 0; position = max(cumsum(mask)-1, 0)), one
 * prefill with an empty past, then one token per call with mask 1 appended and position + 1.
 * A guided request runs a conditional and an unconditional row (all conditional rows first),
 * guided = uncond + scale * (cond - uncond) on the last position's logits, and the chosen token
 * is fed to both rows. IMAGE requests may pick only visual codes and stop after exactly T; TEXT
 * requests only words and end-of-sequence. The decoding itself is {@link DecodeLoop}'s: this
 * class holds what every loop shares (the graph, the vocabulary's allowed ranges, validation)
 * and decodes a whole batch as one loop run to its end.
 */
public final class LlamaDecoder {

    /** Longest prompt accepted; far beyond any template, it stops runaway inputs. */
    public static final int MAX_PROMPT_TOKENS = 4096;
    /** Most new tokens a TEXT request may ask for. */
    public static final int MAX_NEW_TOKENS = 1024;

    private static final ThreadLocal<long[]> SAMPLING_NANOS = ThreadLocal.withInitial(() -> new long[1]);

    private final LlamaGraph graph;
    private final VocabularyLayout vocab;
    private final int tokensPerImage;
    /** Allowed ids per mode as ascending {@code [from, to)} pairs: only these logits are read. */
    private final int[] imageRanges;
    private final int[] textRanges;

    public LlamaDecoder(ModelBundle bundle) {
        this.graph = new LlamaGraph(bundle);
        this.vocab = bundle.manifest().vocabulary();
        this.tokensPerImage = bundle.manifest().tokensPerImage();
        int v = vocab.vocabSize();
        boolean[] image = new boolean[v];
        boolean[] text = new boolean[v];
        for (int i = 0; i < v; i++) {
            image[i] = vocab.isVisual(i);
            text[i] = vocab.isWord(i);
        }
        text[vocab.eos()] = true;
        imageRanges = ranges(image);
        textRanges = ranges(text);
    }

    /** The runs of true in {@code allowed}, as flattened {@code [from, to)} pairs. */
    static int[] ranges(boolean[] allowed) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < allowed.length; i++) {
            if (allowed[i] && (i == 0 || !allowed[i - 1])) {
                out.add(i);
            }
            if (allowed[i] && (i + 1 == allowed.length || !allowed[i + 1])) {
                out.add(i + 1);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Nanoseconds this thread has spent reading logits, guiding and choosing tokens since {@link #resetSamplingClock()}. */
    public static long samplingNanos() {
        return SAMPLING_NANOS.get()[0];
    }

    public static void resetSamplingClock() {
        SAMPLING_NANOS.get()[0] = 0;
    }

    public VocabularyLayout vocabulary() {
        return vocab;
    }

    public int tokensPerImage() {
        return tokensPerImage;
    }

    /** Decodes a batch; invalid requests fail alone, the others are decoded together (one {@link DecodeLoop} run to its end). */
    public List<ItemResult<DecodeResult>> decode(List<DecodeRequest> requests) {
        List<ItemResult<DecodeResult>> results = new ArrayList<>(Collections.nCopies(requests.size(), null));
        int rows = requests.stream().mapToInt(DecodeLoop::rowsOf).sum();
        DecodeLoop<Integer> loop = new DecodeLoop<>(this, Math.max(2, rows));
        for (int i = 0; i < requests.size(); i++) {
            try {
                loop.join(requests.get(i), i);
            } catch (InvalidInputException e) {
                results.set(i, ItemResult.failed(e.toError()));
            }
        }
        try {
            while (!loop.isEmpty()) {
                for (DecodeLoop.Finished<Integer> f : loop.step()) {
                    results.set(f.tag(), ItemResult.ok(f.result()));
                }
            }
        } catch (OrtException e) {
            throw new EngineException("llama decoding failed on a batch of " + loop.size() + ": " + e.getMessage(), e);
        }
        return results;
    }

    /** The number of tokens {@code r} may emit, or why it cannot be decoded. */
    int validate(DecodeRequest r) throws InvalidInputException {
        checkPrompt("prompt", r.prompt());
        if (!Double.isFinite(r.cfgScale()) || r.cfgScale() < 0) {
            throw new InvalidInputException(Reason.INVALID_PARAMETER, "cfgScale must be finite and >= 0, got " + r.cfgScale());
        }
        if (r.usesGuidance()) {
            checkPrompt("unconditional prompt", r.unconditionalPrompt());
        }
        if (r.mode() == DecodeMode.IMAGE) {
            if (r.maxNewTokens() != 0 && r.maxNewTokens() != tokensPerImage) {
                throw new InvalidInputException(Reason.WRONG_TOKEN_COUNT, "IMAGE mode emits exactly " + tokensPerImage
                        + " tokens; maxNewTokens must be 0 or " + tokensPerImage + ", got " + r.maxNewTokens());
            }
            return tokensPerImage;
        }
        if (r.maxNewTokens() < 1 || r.maxNewTokens() > MAX_NEW_TOKENS) {
            throw new InvalidInputException(Reason.INVALID_PARAMETER, "maxNewTokens must be in [1, " + MAX_NEW_TOKENS
                    + "], got " + r.maxNewTokens());
        }
        return r.maxNewTokens();
    }

    private void checkPrompt(String what, int[] p) throws InvalidInputException {
        if (p == null || p.length == 0) {
            throw new InvalidInputException(Reason.WRONG_TOKEN_COUNT, what + " is empty");
        }
        if (p.length > MAX_PROMPT_TOKENS) {
            throw new InvalidInputException(Reason.WRONG_TOKEN_COUNT, what + " has " + p.length + " tokens, limit " + MAX_PROMPT_TOKENS);
        }
        for (int i = 0; i < p.length; i++) {
            if (p[i] < 0 || p[i] >= vocab.vocabSize()) {
                throw new InvalidInputException(Reason.TOKEN_OUT_OF_RANGE, what + " token " + i + " is " + p[i]
                        + ", outside [0, " + vocab.vocabSize() + ")");
            }
        }
    }

    LlamaGraph graph() {
        return graph;
    }

    /** The logits a request of {@code mode} may choose from, as {@code [from, to)} pairs. */
    int[] ranges(DecodeMode mode) {
        return mode == DecodeMode.IMAGE ? imageRanges : textRanges;
    }

    static void addSamplingNanos(long nanos) {
        SAMPLING_NANOS.get()[0] += nanos;
    }
}
