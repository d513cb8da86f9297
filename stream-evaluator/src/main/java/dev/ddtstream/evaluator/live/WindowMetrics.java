package dev.ddtstream.evaluator.live;

import dev.ddtstream.evaluator.geneval.GenEvalTask;
import dev.ddtstream.events.LatencyPercentiles;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.WindowKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The aggregates of one window, as {@code ddt.metrics} carries them, built incrementally: each
 * observation is folded into an {@link Accumulator} as it arrives ({@link #add}), partial
 * accumulators merge ({@link #merge}), and the window's end turns one into its
 * {@link MetricsWindow} ({@link #finish}). Pure functions: no Flink here.
 */
public final class WindowMetrics {

    private WindowMetrics() {
    }

    /** What a window keeps of its observations: counts and sums, and the latencies its percentiles need. */
    public static final class Accumulator {
        public long results;
        public long deadLetters;
        public long scoringErrors;
        /** Task to {correct, scored}. */
        public HashMap<String, long[]> verdicts = new HashMap<>();
        public long captionsCorrect;
        public long captionsScored;
        public double editL1Sum;
        public double editL2Sum;
        public long edits;
        /** Series ({@code end_to_end} or a stage name) to every latency in ms. */
        public HashMap<String, ArrayList<Long>> latencies = new HashMap<>();
        public HashMap<String, Long> errors = new HashMap<>();
        public HashMap<String, Long> batchSizes = new HashMap<>();
        public HashSet<Integer> codes = new HashSet<>();
    }

    /** The aggregates of a whole window at once: what {@link #add} and {@link #finish} give incrementally. */
    public static MetricsWindow of(Iterable<Observation> observations, WindowKind kind, long startMs, long endMs) {
        Accumulator a = new Accumulator();
        observations.forEach(o -> add(o, a));
        return finish(a, kind, startMs, endMs);
    }

    public static Accumulator add(Observation o, Accumulator a) {
        switch (o.type) {
            case RESULT -> {
                a.results++;
                latency(a, "end_to_end", o.latencyMs);
                o.stageLatencyMs.forEach((stage, ms) -> latency(a, stage, ms));
                if (o.scoringError != null) {
                    a.scoringErrors++;
                }
                if (o.scored && o.correct != null) {
                    long[] v = a.verdicts.computeIfAbsent(o.task, k -> new long[2]);
                    v[0] += o.correct ? 1 : 0;
                    v[1]++;
                    if ("CAPTION".equals(o.kind)) {
                        a.captionsCorrect += o.correct ? 1 : 0;
                        a.captionsScored++;
                    }
                }
                if (o.editL1 != null) {
                    a.editL1Sum += o.editL1;
                    a.editL2Sum += o.editL2;
                    a.edits++;
                }
            }
            case ERROR -> {
                a.results++;
                a.errors.merge(o.reason, 1L, Long::sum);
            }
            case STAGE -> {
                a.batchSizes.merge(Integer.toString(o.batchSize), 1L, Long::sum);
                for (int c : o.codes) {
                    a.codes.add(c);
                }
            }
            case DEAD_LETTER -> a.deadLetters++;
        }
        return a;
    }

    public static Accumulator merge(Accumulator a, Accumulator b) {
        a.results += b.results;
        a.deadLetters += b.deadLetters;
        a.scoringErrors += b.scoringErrors;
        b.verdicts.forEach((task, v) -> {
            long[] t = a.verdicts.computeIfAbsent(task, k -> new long[2]);
            t[0] += v[0];
            t[1] += v[1];
        });
        a.captionsCorrect += b.captionsCorrect;
        a.captionsScored += b.captionsScored;
        a.editL1Sum += b.editL1Sum;
        a.editL2Sum += b.editL2Sum;
        a.edits += b.edits;
        b.latencies.forEach((k, v) -> a.latencies.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        b.errors.forEach((k, v) -> a.errors.merge(k, v, Long::sum));
        b.batchSizes.forEach((k, v) -> a.batchSizes.merge(k, v, Long::sum));
        a.codes.addAll(b.codes);
        return a;
    }

    public static MetricsWindow finish(Accumulator a, WindowKind kind, long startMs, long endMs) {
        Map<String, Double> accuracy = new HashMap<>();
        a.verdicts.forEach((task, v) -> accuracy.put(task, (double) v[0] / v[1]));
        OptionalDouble geneval = List.of(GenEvalTask.values()).stream().map(GenEvalTask::key).filter(accuracy::containsKey)
                .mapToDouble(accuracy::get).average();
        Map<String, LatencyPercentiles> latency = new HashMap<>();
        a.latencies.forEach((k, v) -> latency.put(k, percentiles(v)));
        double seconds = Math.max(1e-3, (endMs - startMs) / 1000.0);
        return MetricsWindow.newBuilder()
                .setWindowKind(kind).setWindowStartMs(startMs).setWindowEndMs(endMs)
                .setResults(a.results).setThroughputPerSecond(a.results / seconds)
                .setAccuracyByTask(accuracy)
                .setGenevalOverall(geneval.isPresent() ? geneval.getAsDouble() : null)
                .setEditL1(a.edits == 0 ? null : a.editL1Sum / a.edits)
                .setEditL2(a.edits == 0 ? null : a.editL2Sum / a.edits)
                .setCaptionAccuracy(a.captionsScored == 0 ? null : (double) a.captionsCorrect / a.captionsScored)
                .setLatency(latency)
                .setErrorsByReason(new HashMap<>(a.errors))
                .setDeadLetters(a.deadLetters)
                .setBatchSizes(new HashMap<>(a.batchSizes))
                .setCodesInUse(a.codes.isEmpty() ? null : a.codes.size())
                .setScoringErrors(a.scoringErrors)
                .build();
    }

    private static void latency(Accumulator a, String series, long ms) {
        a.latencies.computeIfAbsent(series, k -> new ArrayList<>()).add(ms);
    }

    static LatencyPercentiles percentiles(List<Long> values) {
        long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return new LatencyPercentiles((long) v.length, nearestRank(v, 0.50), nearestRank(v, 0.95), nearestRank(v, 0.99));
    }

    private static double nearestRank(long[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
