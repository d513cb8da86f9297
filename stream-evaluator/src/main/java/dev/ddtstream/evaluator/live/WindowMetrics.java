package dev.ddtstream.evaluator.live;

import dev.ddtstream.evaluator.geneval.GenEvalChecks;
import dev.ddtstream.events.LatencyPercentiles;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.WindowKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;

/** The aggregates of one window's observations, as {@code ddt.metrics} carries them. */
public final class WindowMetrics {

    private WindowMetrics() {
    }

    public static MetricsWindow of(Iterable<Observation> observations, WindowKind kind, long startMs, long endMs) {
        long results = 0;
        long deadLetters = 0;
        Map<String, List<Boolean>> byTask = new TreeMap<>();
        List<Double> l1 = new ArrayList<>();
        List<Double> l2 = new ArrayList<>();
        List<Boolean> captions = new ArrayList<>();
        Map<String, List<Long>> latencies = new TreeMap<>();
        Map<String, Long> errors = new TreeMap<>();
        Map<String, Long> batchSizes = new TreeMap<>();
        Set<Integer> codes = new HashSet<>();
        for (Observation o : observations) {
            switch (o.type) {
                case RESULT -> {
                    results++;
                    latencies.computeIfAbsent("end_to_end", k -> new ArrayList<>()).add(o.latencyMs);
                    o.stageLatencyMs.forEach((stage, ms) -> latencies.computeIfAbsent(stage, k -> new ArrayList<>()).add(ms));
                    if (o.scored && o.correct != null) {
                        byTask.computeIfAbsent(o.task, k -> new ArrayList<>()).add(o.correct);
                        if ("CAPTION".equals(o.kind)) {
                            captions.add(o.correct);
                        }
                    }
                    if (o.editL1 != null) {
                        l1.add(o.editL1);
                        l2.add(o.editL2);
                    }
                }
                case ERROR -> {
                    results++;
                    errors.merge(o.reason, 1L, Long::sum);
                }
                case STAGE -> {
                    batchSizes.merge(Integer.toString(o.batchSize), 1L, Long::sum);
                    for (int c : o.codes) {
                        codes.add(c);
                    }
                }
                case DEAD_LETTER -> deadLetters++;
            }
        }
        Map<String, Double> accuracy = new HashMap<>();
        byTask.forEach((task, verdicts) -> accuracy.put(task, mean(verdicts)));
        OptionalDouble geneval = GenEvalChecks.TASKS.stream().filter(byTask::containsKey).mapToDouble(t -> mean(byTask.get(t))).average();
        Map<String, LatencyPercentiles> latency = new HashMap<>();
        latencies.forEach((k, v) -> latency.put(k, percentiles(v)));
        double seconds = Math.max(1e-3, (endMs - startMs) / 1000.0);
        return MetricsWindow.newBuilder()
                .setWindowKind(kind).setWindowStartMs(startMs).setWindowEndMs(endMs)
                .setResults(results).setThroughputPerSecond(results / seconds)
                .setAccuracyByTask(accuracy)
                .setGenevalOverall(geneval.isPresent() ? geneval.getAsDouble() : null)
                .setEditL1(l1.isEmpty() ? null : l1.stream().mapToDouble(Double::doubleValue).average().getAsDouble())
                .setEditL2(l2.isEmpty() ? null : l2.stream().mapToDouble(Double::doubleValue).average().getAsDouble())
                .setCaptionAccuracy(captions.isEmpty() ? null : mean(captions))
                .setLatency(latency)
                .setErrorsByReason(new HashMap<>(errors))
                .setDeadLetters(deadLetters)
                .setBatchSizes(new HashMap<>(batchSizes))
                .setCodesInUse(codes.isEmpty() ? null : codes.size())
                .build();
    }

    private static double mean(List<Boolean> verdicts) {
        return verdicts.stream().filter(Boolean::booleanValue).count() / (double) verdicts.size();
    }

    static LatencyPercentiles percentiles(List<Long> values) {
        long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return new LatencyPercentiles((long) v.length, nearestRank(v, 0.50), nearestRank(v, 0.95), nearestRank(v, 0.99));
    }

    private static double nearestRank(long[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
