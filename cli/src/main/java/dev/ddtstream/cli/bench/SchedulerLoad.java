package dev.ddtstream.cli.bench;

import dev.ddtstream.bundle.VocabularyLayout;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.ItemResult;
import dev.ddtstream.gpu.llama.DecodeLoop;
import dev.ddtstream.gpu.llama.DecodeRequest;
import dev.ddtstream.gpu.llama.DecodeResult;
import dev.ddtstream.gpu.llama.LlamaDecoder;
import dev.ddtstream.gpu.llama.Sampling;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The LLaMA stage's two schedulers under the same open-loop arrival stream, in process, on any
 * bundle (a random-weight one of the paper's geometry included: no held-out set needed). A
 * GENERATE is a guided IMAGE request (T tokens, two rows); a CAPTION is a TEXT request whose
 * prompt carries an image's T tokens and a question, decoding up to the bundle's caption length.
 * Static: whatever has arrived when the engine is free, up to {@code maxJobs}, is decoded to its
 * end, as the static worker does with a zero batching delay. Continuous: one {@link DecodeLoop}
 * of {@code 2 x maxJobs} rows (the most a static batch has), joined at the next step while rows
 * are free and left at the step each request finishes, as the continuous worker does.
 */
public final class SchedulerLoad {

    /** One scheduler's run: per-kind figures, and how long until the last answer. */
    public record Run(String scheduler, List<OpenLoopLoad.KindSummary> kinds, double wallSeconds) {
    }

    private final ModelBundle bundle;
    private final LlamaDecoder decoder;
    private final PrintStream out;

    public SchedulerLoad(ModelBundle bundle, PrintStream out) {
        this.bundle = bundle;
        this.decoder = new LlamaDecoder(bundle);
        this.out = out;
    }

    /** The request each arrival sends: the same for both schedulers. */
    public List<DecodeRequest> requests(List<OpenLoopLoad.Arrival> arrivals) {
        VocabularyLayout v = bundle.manifest().vocabulary();
        int t = bundle.manifest().tokensPerImage();
        double cfg = bundle.manifest().decoding().cfgGenerate();
        int captionTokens = bundle.manifest().decoding().captionMaxNewTokens();
        SplittableRandom rng = new SplittableRandom(3);
        List<DecodeRequest> out = new ArrayList<>();
        for (int i = 0; i < arrivals.size(); i++) {
            if (arrivals.get(i).kind() == RequestKind.CAPTION) {
                int[] prompt = new int[t + 16];
                for (int k = 0; k < prompt.length; k++) {
                    prompt[k] = k < t ? v.visualOffset() + rng.nextInt(v.codebookSize()) : word(v, rng);
                }
                out.add(DecodeRequest.text(prompt, captionTokens, Sampling.greedy()));
            } else {
                int[] prompt = new int[16];
                for (int k = 0; k < prompt.length; k++) {
                    prompt[k] = word(v, rng);
                }
                out.add(DecodeRequest.image(prompt, new int[] {prompt[0], prompt[15]}, cfg, Sampling.sample(1.0, 64, i)));
            }
        }
        return out;
    }

    private static int word(VocabularyLayout v, SplittableRandom rng) {
        int id;
        do {
            id = rng.nextInt(v.visualOffset());
        } while (!v.isWord(id));
        return id;
    }

    /** One request decoded alone: the sessions' first calls pay their warm-up outside the runs. */
    public void warmUp(DecodeRequest request) {
        decoder.decode(List.of(request)).get(0).value();
    }

    /** Static batches: each decoded to its end before the next starts. */
    public Run runStatic(List<OpenLoopLoad.Arrival> arrivals, List<DecodeRequest> requests, int maxJobs) throws InterruptedException {
        List<OpenLoopLoad.Outcome> outcomes = new ArrayList<>();
        Deque<Integer> queue = new ArrayDeque<>();
        int next = 0;
        long start = System.nanoTime();
        while (outcomes.size() < arrivals.size()) {
            next = arrive(arrivals, next, queue, start);
            if (queue.isEmpty()) {
                waitFor(arrivals.get(next), start);
                continue;
            }
            List<Integer> batch = new ArrayList<>();
            while (!queue.isEmpty() && batch.size() < maxJobs) {
                batch.add(queue.poll());
            }
            List<ItemResult<DecodeResult>> results = decoder.decode(batch.stream().map(requests::get).toList());
            long done = System.nanoTime() - start;
            for (int k = 0; k < batch.size(); k++) {
                OpenLoopLoad.Arrival a = arrivals.get(batch.get(k));
                outcomes.add(new OpenLoopLoad.Outcome(a.kind(), (done - a.atNanos()) / 1e6, !results.get(k).isOk()));
            }
        }
        return report("static", outcomes, (System.nanoTime() - start) / 1e9);
    }

    /** One loop: arrivals join at the next step while they fit, each leaves at the step it finishes. */
    public Run runContinuous(List<OpenLoopLoad.Arrival> arrivals, List<DecodeRequest> requests, int maxJobs) throws Exception {
        List<OpenLoopLoad.Outcome> outcomes = new ArrayList<>();
        Deque<Integer> queue = new ArrayDeque<>();
        DecodeLoop<Integer> loop = new DecodeLoop<>(decoder, 2 * maxJobs);
        int next = 0;
        long start = System.nanoTime();
        while (outcomes.size() < arrivals.size()) {
            next = arrive(arrivals, next, queue, start);
            while (!queue.isEmpty() && DecodeLoop.rowsOf(requests.get(queue.peek())) <= loop.freeRows()) {
                int i = queue.poll();
                loop.join(requests.get(i), i);
            }
            if (loop.isEmpty()) {
                waitFor(arrivals.get(next), start);
                continue;
            }
            List<DecodeLoop.Finished<Integer>> finished = loop.step();
            long done = System.nanoTime() - start;
            for (DecodeLoop.Finished<Integer> f : finished) {
                OpenLoopLoad.Arrival a = arrivals.get(f.tag());
                outcomes.add(new OpenLoopLoad.Outcome(a.kind(), (done - a.atNanos()) / 1e6, false));
            }
        }
        return report("continuous", outcomes, (System.nanoTime() - start) / 1e9);
    }

    /** Queues every arrival due by now; returns the index of the first not yet due. */
    private static int arrive(List<OpenLoopLoad.Arrival> arrivals, int next, Deque<Integer> queue, long start) {
        long now = System.nanoTime() - start;
        while (next < arrivals.size() && arrivals.get(next).atNanos() <= now) {
            queue.add(next++);
        }
        return next;
    }

    /** Idle until the next arrival: the schedule's own clock (open loop). */
    private static void waitFor(OpenLoopLoad.Arrival a, long start) throws InterruptedException {
        long wait = start + a.atNanos() - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private Run report(String scheduler, List<OpenLoopLoad.Outcome> outcomes, double wall) {
        List<OpenLoopLoad.KindSummary> kinds = OpenLoopLoad.summarise(outcomes, wall);
        out.printf(Locale.ROOT, "%s: all answered after %.1f s%n%s", scheduler, wall, OpenLoopLoad.table(kinds));
        return new Run(scheduler, kinds, wall);
    }
}
