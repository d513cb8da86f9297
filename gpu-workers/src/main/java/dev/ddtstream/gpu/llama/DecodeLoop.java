package dev.ddtstream.gpu.llama;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.ddtstream.gpu.engine.InvalidInputException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Iteration-level ("continuous") batching of LLaMA decoding: a running batch that requests join
 * at any step and leave at the step they finish, as vLLM schedules. Each {@link #step()} first
 * prefills the requests that joined since the last one (together, left-padded, as the reference
 * does) and chooses their first token, then runs one decode call for every running row and
 * chooses each request's next token. A guided request's conditional and unconditional rows
 * travel together and share each chosen token; sampling is per request, seeded as before, so a
 * request gets the same tokens whoever it shares steps with.
 *
 * <p>Keys and values live in a {@link SlotCache}: a row's slot is written once per step at its
 * end and never copied, except when a row leaving the batch has the last row moved into its slot.
 *
 * <p>One thread drives a loop; {@code T} tags each request for its caller.
 */
public final class DecodeLoop<T> {

    /** A request that finished this step, with the tag it joined with. */
    public record Finished<T>(T tag, DecodeResult result) {
    }

    private final LlamaDecoder decoder;
    private final LlamaGraph graph;
    private final SlotCache cache;
    /** The sequence each slot in use belongs to. */
    private final Sequence[] owner;
    private final List<Sequence> running = new ArrayList<>();
    private final List<Sequence> waiting = new ArrayList<>();
    private final float[] cond;
    private final float[] uncond;
    private int used;
    private int waitingRows;

    /** @param rows the most rows decoding together (a guided request takes two) */
    public DecodeLoop(LlamaDecoder decoder, int rows) {
        if (rows < 2) {
            throw new IllegalArgumentException("a decode loop needs room for at least one guided request (2 rows), got " + rows);
        }
        this.decoder = decoder;
        this.graph = decoder.graph();
        this.cache = new SlotCache(graph.environment(), graph.geometry(), rows);
        this.owner = new DecodeLoop.Sequence[rows];
        this.cond = new float[graph.geometry().vocabSize()];
        this.uncond = new float[graph.geometry().vocabSize()];
    }

    /** Rows a request takes: two when it is guided. */
    public static int rowsOf(DecodeRequest r) {
        return r.usesGuidance() ? 2 : 1;
    }

    /** Rows neither running nor promised to a request waiting to join. */
    public int freeRows() {
        return cache.slots() - used - waitingRows;
    }

    /** Requests running or waiting to join. */
    public int size() {
        return running.size() + waiting.size();
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** Positions each slot holds room for now: the longest row's length, rounded up to a block. */
    public int cacheCapacity() {
        return cache.capacity();
    }

    /**
     * Queues a request to join at the next step.
     *
     * @throws InvalidInputException the request is invalid (it never joins)
     * @throws IllegalStateException there are fewer than {@link #rowsOf} free rows
     */
    public void join(DecodeRequest request, T tag) throws InvalidInputException {
        int maxNew = decoder.validate(request);
        int rows = rowsOf(request);
        if (rows > freeRows()) {
            throw new IllegalStateException("no room to join: " + rows + " rows asked, " + freeRows() + " free");
        }
        waiting.add(new Sequence(request, maxNew, tag));
        waitingRows += rows;
    }

    /** Removes the requests whose tags match, running or waiting, without a result; returns their tags. */
    public List<T> cancel(Predicate<T> which) {
        List<T> out = new ArrayList<>();
        for (Sequence s : List.copyOf(waiting)) {
            if (which.test(s.tag)) {
                waiting.remove(s);
                waitingRows -= rowsOf(s.request);
                out.add(s.tag);
            }
        }
        for (Sequence s : List.copyOf(running)) {
            if (which.test(s.tag)) {
                leave(s);
                out.add(s.tag);
            }
        }
        return out;
    }

    /** Prefills the requests that joined, then one decode call for every running row; returns those that finished. */
    public List<Finished<T>> step() throws OrtException {
        List<Finished<T>> finished = new ArrayList<>();
        if (!waiting.isEmpty()) {
            prefill(finished);
        }
        if (!running.isEmpty()) {
            decodeOne(finished);
        }
        return finished;
    }

    private void prefill(List<Finished<T>> finished) throws OrtException {
        List<Sequence> joiners = List.copyOf(waiting);
        waiting.clear();
        waitingRows = 0;
        List<int[]> prompts = new ArrayList<>();
        joiners.forEach(s -> prompts.add(s.request.prompt()));
        joiners.stream().filter(s -> s.request.usesGuidance()).forEach(s -> prompts.add(s.request.unconditionalPrompt()));
        LeftPaddedBatch batch = LeftPaddedBatch.of(prompts, decoder.vocabulary().pad());
        int n = batch.rows();
        int len = batch.length();
        cache.fit(Math.max(len, longestRow()), used);
        long[] mask = batch.mask();
        long[] last = batch.lastPositions();
        try (OnnxTensor pk = graph.emptyPast(n); OnnxTensor pv = graph.emptyPast(n);
             LlamaGraph.Step step = graph.forward(batch.ids(), mask, batch.positions(), n, len, pk, pv)) {
            FloatBuffer keys = step.newKey().getFloatBuffer();
            FloatBuffer values = step.newValue().getFloatBuffer();
            int guidedRow = joiners.size();
            for (int i = 0; i < joiners.size(); i++) {
                Sequence s = joiners.get(i);
                int uncondRow = s.request.usesGuidance() ? guidedRow++ : -1;
                s.condSlot = take(s, keys, values, i, len, mask);
                s.position[0] = last[i];
                if (uncondRow >= 0) {
                    s.uncondSlot = take(s, keys, values, uncondRow, len, mask);
                    s.position[1] = last[uncondRow];
                }
                running.add(s);
                choose(step, s, i, uncondRow);
            }
        }
        leaveIfDone(finished);
    }

    /** Gives prefill row {@code row} of {@code s} the next free slot, holding its keys, values and mask. */
    private int take(Sequence s, FloatBuffer keys, FloatBuffer values, int row, int len, long[] mask) {
        int slot = used++;
        owner[slot] = s;
        cache.append(slot, keys, values, row, len, mask, row * len);
        return slot;
    }

    private void decodeOne(List<Finished<T>> finished) throws OrtException {
        int n = used;
        cache.fit(longestRow() + 1, used);
        long[] ids = new long[n];
        long[] positions = new long[n];
        for (Sequence s : running) {
            int token = s.out[s.emitted - 1];
            ids[s.condSlot] = token;
            positions[s.condSlot] = ++s.position[0];
            if (s.uncondSlot >= 0) {
                ids[s.uncondSlot] = token;
                positions[s.uncondSlot] = ++s.position[1];
            }
        }
        long[] mask = cache.decodeMask(n);
        LlamaGraph.Step step;
        try (OnnxTensor pk = cache.keys(n); OnnxTensor pv = cache.values(n)) {
            step = graph.forward(ids, mask, positions, n, 1, pk, pv);
        }
        try (step) {
            FloatBuffer keys = step.newKey().getFloatBuffer();
            FloatBuffer values = step.newValue().getFloatBuffer();
            long[] one = {1};
            for (int slot = 0; slot < n; slot++) {
                cache.append(slot, keys, values, slot, 1, one, 0);
            }
            for (Sequence s : running) {
                choose(step, s, s.condSlot, s.uncondSlot);
            }
        }
        leaveIfDone(finished);
    }

    private void choose(LlamaGraph.Step step, Sequence s, int condRow, int uncondRow) {
        long started = System.nanoTime();
        int[] ranges = decoder.ranges(s.request.mode());
        for (int r = 0; r < ranges.length; r += 2) {
            step.rowLogits(condRow, ranges[r], ranges[r + 1], cond);
            if (uncondRow >= 0) {
                step.rowLogits(uncondRow, ranges[r], ranges[r + 1], uncond);
            }
        }
        TokenChooser.Guided logits = new TokenChooser.Guided(cond, uncondRow >= 0 ? uncond : null, (float) s.request.cfgScale());
        s.emit(TokenChooser.choose(logits, ranges, s.request.sampling(), s.rng));
        LlamaDecoder.addSamplingNanos(System.nanoTime() - started);
    }

    private void leaveIfDone(List<Finished<T>> finished) {
        for (Sequence s : List.copyOf(running)) {
            if (s.finish != null) {
                leave(s);
                finished.add(new Finished<>(s.tag, new DecodeResult(Arrays.copyOf(s.out, s.emitted), s.finish)));
            }
        }
    }

    /** Frees a sequence's slots, moving the last rows into them so that the rows in use stay {@code [0, used)}. */
    private void leave(Sequence s) {
        running.remove(s);
        int[] slots = s.uncondSlot >= 0 ? new int[] {s.condSlot, s.uncondSlot} : new int[] {s.condSlot};
        Arrays.stream(slots).boxed().sorted(Comparator.reverseOrder()).forEach(slot -> {
            int last = --used;
            if (slot != last) {
                cache.move(last, slot);
                Sequence moved = owner[last];
                if (moved.condSlot == last) {
                    moved.condSlot = slot;
                } else {
                    moved.uncondSlot = slot;
                }
                owner[slot] = moved;
            } else {
                cache.clear(slot);
            }
            owner[last] = null;
        });
    }

    private int longestRow() {
        int longest = 0;
        for (int slot = 0; slot < used; slot++) {
            longest = Math.max(longest, cache.length(slot));
        }
        return longest;
    }

    /** Decoding state of one request. */
    private final class Sequence {
        final DecodeRequest request;
        final T tag;
        final int maxNew;
        final SplittableRandom rng;
        final int[] out;
        /** Last position of the conditional [0] and unconditional [1] rows. */
        final long[] position = new long[2];
        int emitted;
        int condSlot = -1;
        int uncondSlot = -1;
        DecodeResult.Finish finish;

        Sequence(DecodeRequest request, int maxNew, T tag) {
            this.request = request;
            this.tag = tag;
            this.maxNew = maxNew;
            this.rng = new SplittableRandom(request.sampling().seed());
            this.out = new int[maxNew];
        }

        void emit(int token) {
            out[emitted++] = token;
            if (request.mode() == DecodeMode.IMAGE) {
                if (emitted == maxNew) {
                    finish = DecodeResult.Finish.IMAGE_COMPLETE;
                }
            } else if (token == decoder.vocabulary().eos()) {
                finish = DecodeResult.Finish.END_OF_SEQUENCE;
            } else if (emitted == maxNew) {
                finish = DecodeResult.Finish.MAX_TOKENS;
            }
        }
    }
}
