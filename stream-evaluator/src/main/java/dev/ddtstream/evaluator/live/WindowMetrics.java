package dev.ddtstream.evaluator.live;

import dev.ddtstream.evaluator.geneval.GenEvalTask;
import dev.ddtstream.events.LatencyPercentiles;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.WindowKind;
import java.util.ArrayList;
import java.util.Arrays;
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
        /** Task to {correct, scored}, strict rules. */
        public HashMap<String, long[]> verdicts = new HashMap<>();
        /** GenEval task to {correct, scored}, GenEval's rules. */
        public HashMap<String, long[]> genevalModeVerdicts = new HashMap<>();
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
                if (o.scored && o.genevalModeCorrect != null) {
                    count(a.genevalModeVerdicts, o.task, o.genevalModeCorrect);
                }
                if (o.scored && o.correct != null) {
                    count(a.verdicts, o.task, o.correct);
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
        merge(a.verdicts, b.verdicts);
        merge(a.genevalModeVerdicts, b.genevalModeVerdicts);
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
        Map<String, Double> accuracy = accuracies(a.verdicts);
        Map<String, Double> genevalModeAccuracy = accuracies(a.genevalModeVerdicts);
        Map<String, LatencyPercentiles> latency = new HashMap<>();
        a.latencies.forEach((k, v) -> latency.put(k, percentiles(v)));
        double seconds = Math.max(1e-3, (endMs - startMs) / 1000.0);
        return MetricsWindow.newBuilder()
                .setWindowKind(kind).setWindowStartMs(startMs).setWindowEndMs(endMs)
                .setResults(a.results).setThroughputPerSecond(a.results / seconds)
                .setAccuracyByTask(accuracy)
                .setGenevalOverall(genevalOverall(accuracy))
                .setGenevalModeAccuracyByTask(genevalModeAccuracy)
                .setGenevalModeOverall(genevalOverall(genevalModeAccuracy))
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

    private static void count(Map<String, long[]> verdicts, String task, boolean correct) {
        long[] v = verdicts.computeIfAbsent(task, k -> new long[2]);
        v[0] += correct ? 1 : 0;
        v[1]++;
    }

    private static void merge(Map<String, long[]> into, Map<String, long[]> from) {
        from.forEach((task, v) -> {
            long[] t = into.computeIfAbsent(task, k -> new long[2]);
            t[0] += v[0];
            t[1] += v[1];
        });
    }

    private static Map<String, Double> accuracies(Map<String, long[]> verdicts) {
        Map<String, Double> out = new HashMap<>();
        verdicts.forEach((task, v) -> out.put(task, (double) v[0] / v[1]));
        return out;
    }

    /** The mean of the GenEval task accuracies present, or null when none is. */
    private static Double genevalOverall(Map<String, Double> accuracy) {
        OptionalDouble mean = Arrays.stream(GenEvalTask.values()).map(GenEvalTask::key).filter(accuracy::containsKey)
                .mapToDouble(accuracy::get).average();
        return mean.isPresent() ? mean.getAsDouble() : null;
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
