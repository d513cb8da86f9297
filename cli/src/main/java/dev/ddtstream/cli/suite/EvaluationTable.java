package dev.ddtstream.cli.suite;

import dev.ddtstream.evaluator.geneval.GenEvalTask;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.schemas.TopicReader;
import dev.ddtstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/** The evaluator's verdicts on a suite, read back from {@code ddt.evaluations}, as a table. */
public final class EvaluationTable {

    private EvaluationTable() {
    }

    /** The evaluations of {@code ids} (committed ones only), waiting up to {@code timeout} for all of them. */
    public static List<EvaluationResult> await(Map<String, Object> client, Set<String> ids, Duration timeout) {
        Map<String, EvaluationResult> found = new HashMap<>();
        try (TopicReader reader = TopicReader.assign(client, List.of(Topics.EVALUATIONS), TopicReader.Start.BEGINNING)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (found.size() < ids.size() && System.nanoTime() < deadline) {
                for (TopicReader.Received r : reader.poll(Duration.ofMillis(250))) {
                    if (ids.contains(r.key())) {
                        found.put(r.key(), r.value(Topics.EVALUATIONS));
                    }
                }
            }
        }
        return new ArrayList<>(found.values());
    }

    /** Per task: images scored, correct, accuracy (and the paper's DDT-LLaMA for GenEval's tasks); edit L1/L2; GenEval overall. */
    public static String format(List<EvaluationResult> evaluations) {
        Map<String, List<EvaluationResult>> byTask = new LinkedHashMap<>();
        for (GenEvalTask t : GenEvalTask.values()) {
            byTask.put(t.key(), new ArrayList<>());
        }
        evaluations.forEach(e -> byTask.computeIfAbsent(e.getTask(), t -> new ArrayList<>()).add(e));
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-14s %7s %8s %9s %14s%n", "task", "images", "correct",
                "accuracy", "DDT-LLaMA paper"));
        List<Double> geneval = new ArrayList<>();
        for (Map.Entry<String, List<EvaluationResult>> t : byTask.entrySet()) {
            List<EvaluationResult> of = t.getValue();
            if (of.isEmpty()) {
                continue;
            }
            long scored = of.stream().filter(e -> e.getCorrect() != null).count();
            long correct = of.stream().filter(e -> Boolean.TRUE.equals(e.getCorrect())).count();
            double accuracy = scored == 0 ? Double.NaN : (double) correct / scored;
            Optional<GenEvalTask> task = GenEvalTask.byKey(t.getKey());
            if (task.isPresent()) {
                geneval.add(accuracy);
            }
            s.append(String.format(Locale.ROOT, "%-14s %7d %8d %9.3f %14s", t.getKey(), of.size(), correct, accuracy,
                    task.map(g -> String.format(Locale.ROOT, "%.2f", g.paperScore())).orElse("")));
            OptionalDouble l1 = of.stream().filter(e -> e.getEditL1() != null).mapToDouble(EvaluationResult::getEditL1).average();
            if (l1.isPresent()) {
                double l2 = of.stream().filter(e -> e.getEditL2() != null).mapToDouble(EvaluationResult::getEditL2).average().orElse(Double.NaN);
                s.append(String.format(Locale.ROOT, "   L1 x100 %.2f (paper 5.4), L2 x100 %.2f", 100 * l1.getAsDouble(), 100 * l2));
            }
            s.append(System.lineSeparator());
        }
        if (!geneval.isEmpty()) {
            s.append(String.format(Locale.ROOT, "%-14s %7s %8s %9.3f %14s%n", "GenEval overall", "", "",
                    geneval.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
                    geneval.size() == GenEvalTask.values().length ? String.format(Locale.ROOT, "%.2f", GenEvalTask.PAPER_OVERALL)
                            : "(mean of " + geneval.size() + " tasks)"));
        }
        return s.toString();
    }
}
