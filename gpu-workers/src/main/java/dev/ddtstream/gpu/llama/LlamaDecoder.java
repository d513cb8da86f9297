package dev.ddtstream.gpu.llama;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.ddtstream.bundle.VocabularyLayout;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.gpu.engine.InputError.Reason;
import dev.ddtstream.gpu.engine.InvalidInputException;
import dev.ddtstream.gpu.engine.ItemResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batched LLaMA decoding with a KV cache, reproducing {@code models/ddt/generate.py}:
 * prompts are left-padded to a common length (pad id, mask 0; position = max(cumsum(mask)-1, 0)),
 * one prefill with an empty past, then one token per call with mask 1 appended and position
 * + 1. A guided request runs a conditional and an unconditional row in the same batch
 * (all conditional rows first), guided = uncond + scale * (cond - uncond) on the last
 * position's logits, and the chosen token is fed to both rows. IMAGE requests may pick only
 * visual codes and stop after exactly T; TEXT requests only words and end-of-sequence.
 * A request that finishes leaves the batch: its rows are dropped from the KV cache, so a
 * short caption does not keep costing compute while an image request in the same batch goes on.
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

    /** Decodes a batch; invalid requests fail alone, the others are decoded together. */
    public List<ItemResult<DecodeResult>> decode(List<DecodeRequest> requests) {
        List<ItemResult<DecodeResult>> results = new ArrayList<>(requests.size());
        List<Sequence> live = new ArrayList<>();
        for (DecodeRequest r : requests) {
            try {
                live.add(new Sequence(r, validate(r)));
                results.add(null);
            } catch (InvalidInputException e) {
                results.add(ItemResult.failed(e.toError()));
            }
        }
        if (!live.isEmpty()) {
            try {
                run(live);
            } catch (OrtException e) {
                throw new EngineException("llama decoding failed on a batch of " + live.size() + ": " + e.getMessage(), e);
            }
        }
        for (int i = 0, k = 0; i < results.size(); i++) {
            if (results.get(i) == null) {
                results.set(i, ItemResult.ok(live.get(k++).result()));
            }
        }
        return results;
    }

    private int validate(DecodeRequest r) throws InvalidInputException {
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

    private void run(List<Sequence> seqs) throws OrtException {
        assignRows(seqs);
        List<int[]> rows = new ArrayList<>();
        for (Sequence s : seqs) {
            rows.add(s.request.prompt());
        }
        for (Sequence s : seqs) {
            if (s.uncondRow >= 0) {
                rows.add(s.request.unconditionalPrompt());
            }
        }
        LeftPaddedBatch prefill = LeftPaddedBatch.of(rows, vocab.pad());
        int batch = prefill.rows();
        int len = prefill.length();
        long[] mask = prefill.mask();
        long[] lastPos = prefill.lastPositions();
        float[] cond = new float[vocab.vocabSize()];
        float[] uncond = new float[vocab.vocabSize()];
        int total = len;
        LlamaGraph.Step step;
        try (OnnxTensor pk = graph.emptyPast(batch); OnnxTensor pv = graph.emptyPast(batch)) {
            step = graph.forward(prefill.ids(), mask, prefill.positions(), batch, len, pk, pv);
        }
        List<Sequence> active = seqs;
        try {
            while (true) {
                long sampling = System.nanoTime();
                for (Sequence s : active) {
                    int[] ranges = s.request.mode() == DecodeMode.IMAGE ? imageRanges : textRanges;
                    s.emit(TokenChooser.choose(guidedLogits(step, s, ranges, cond, uncond), ranges, s.request.sampling(), s.rng));
                }
                SAMPLING_NANOS.get()[0] += System.nanoTime() - sampling;
                List<Sequence> still = active.stream().filter(s -> !s.done).toList();
                if (still.isEmpty()) {
                    break;
                }
                OnnxTensor pastK = step.presentKey();
                OnnxTensor pastV = step.presentValue();
                OnnxTensor[] compacted = null;
                if (still.size() < active.size()) {
                    // finished requests leave the batch, so later steps compute only live rows
                    int[] keep = assignRows(still);
                    compacted = new OnnxTensor[] {graph.selectRows(pastK, keep), graph.selectRows(pastV, keep)};
                    pastK = compacted[0];
                    pastV = compacted[1];
                    mask = selectRows(mask, total, keep);
                    lastPos = selectRows(lastPos, 1, keep);
                    batch = keep.length;
                }
                active = still;
                long[] feed = new long[batch];
                for (Sequence s : active) {
                    int token = s.out[s.emitted - 1];
                    feed[s.condRow] = token;
                    if (s.uncondRow >= 0) {
                        feed[s.uncondRow] = token;
                    }
                }
                total++;
                long[] grown = new long[batch * total];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(mask, b * (total - 1), grown, b * total, total - 1);
                    grown[b * total + total - 1] = 1;
                    lastPos[b]++;
                }
                mask = grown;
                LlamaGraph.Step next;
                try {
                    next = graph.forward(feed, mask, lastPos.clone(), batch, 1, pastK, pastV);
                } finally {
                    if (compacted != null) {
                        closeAll(compacted);
                    }
                }
                step.close();
                step = next;
            }
        } finally {
            step.close();
        }
    }

    /** The request's last-position logits inside {@code ranges}, guided when it has an unconditional row. */
    private static TokenChooser.Guided guidedLogits(LlamaGraph.Step step, Sequence s, int[] ranges, float[] cond, float[] uncond) {
        for (int r = 0; r < ranges.length; r += 2) {
            step.rowLogits(s.condRow, ranges[r], ranges[r + 1], cond);
            if (s.uncondRow >= 0) {
                step.rowLogits(s.uncondRow, ranges[r], ranges[r + 1], uncond);
            }
        }
        return new TokenChooser.Guided(cond, s.uncondRow >= 0 ? uncond : null, (float) s.request.cfgScale());
    }

    /**
     * Gives each sequence its rows (all conditional rows first, as the reference does) and
     * returns, for each new row, the row it had before.
     */
    private static int[] assignRows(List<Sequence> seqs) {
        int guided = (int) seqs.stream().filter(s -> s.request.usesGuidance()).count();
        int[] previous = new int[seqs.size() + guided];
        int next = seqs.size();
        for (int i = 0; i < seqs.size(); i++) {
            Sequence s = seqs.get(i);
            previous[i] = s.condRow;
            s.condRow = i;
            if (s.request.usesGuidance()) {
                previous[next] = s.uncondRow;
                s.uncondRow = next++;
            }
        }
        return previous;
    }

    private static long[] selectRows(long[] data, int width, int[] rows) {
        long[] out = new long[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(data, rows[i] * width, out, i * width, width);
        }
        return out;
    }

    private static void closeAll(OnnxTensor[] tensors) {
        for (OnnxTensor t : tensors) {
            t.close();
        }
    }

    /** Decoding state of one request. */
    private final class Sequence {
        final DecodeRequest request;
        final int maxNew;
        final SplittableRandom rng;
        final int[] out;
        int emitted;
        int condRow = -1;
        int uncondRow = -1;
        boolean done;
        DecodeResult.Finish finish;

        Sequence(DecodeRequest request, int maxNew) {
            this.request = request;
            this.maxNew = maxNew;
            this.rng = new SplittableRandom(request.sampling().seed());
            this.out = new int[maxNew];
        }

        void emit(int token) {
            out[emitted++] = token;
            if (request.mode() == DecodeMode.IMAGE) {
                if (emitted == maxNew) {
                    done = true;
                    finish = DecodeResult.Finish.IMAGE_COMPLETE;
                }
            } else if (token == vocab.eos()) {
                done = true;
                finish = DecodeResult.Finish.END_OF_SEQUENCE;
            } else if (emitted == maxNew) {
                done = true;
                finish = DecodeResult.Finish.MAX_TOKENS;
            }
        }

        DecodeResult result() {
            return new DecodeResult(Arrays.copyOf(out, emitted), finish);
        }
    }
}
