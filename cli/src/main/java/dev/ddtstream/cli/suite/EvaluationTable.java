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
import java.util.Objects;
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

    /**
     * Per task: images scored, accuracy under GenEval's own rules and under our strict ones, the
     * paper's DDT-LLaMA for GenEval's tasks; edit L1/L2; GenEval overall (mean of the task
     * accuracies) in both modes.
     */
    public static String format(List<EvaluationResult> evaluations) {
        Map<String, List<EvaluationResult>> byTask = new LinkedHashMap<>();
        for (GenEvalTask t : GenEvalTask.values()) {
            byTask.put(t.key(), new ArrayList<>());
        }
        evaluations.forEach(e -> byTask.computeIfAbsent(e.getTask(), t -> new ArrayList<>()).add(e));
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-15s %7s %9s %9s %10s%n", "task", "images", "geneval",
                "strict", "DDT-LLaMA"));
        List<Double> genevalMode = new ArrayList<>();
        List<Double> strict = new ArrayList<>();
        for (Map.Entry<String, List<EvaluationResult>> t : byTask.entrySet()) {
            List<EvaluationResult> of = t.getValue();
            if (of.isEmpty()) {
                continue;
            }
            double ours = accuracy(of.stream().map(EvaluationResult::getCorrect).toList());
            Optional<GenEvalTask> task = GenEvalTask.byKey(t.getKey());
            double theirs = task.isPresent() ? accuracy(of.stream().map(EvaluationResult::getGenevalModeCorrect).toList()) : Double.NaN;
            if (task.isPresent()) {
                genevalMode.add(theirs);
                strict.add(ours);
            }
            s.append(String.format(Locale.ROOT, "%-15s %7d %9s %9.3f %10s", t.getKey(), of.size(),
                    task.isPresent() ? String.format(Locale.ROOT, "%.3f", theirs) : "", ours,
                    task.map(g -> String.format(Locale.ROOT, "%.2f", g.paperScore())).orElse("")));
            OptionalDouble l1 = of.stream().filter(e -> e.getEditL1() != null).mapToDouble(EvaluationResult::getEditL1).average();
            if (l1.isPresent()) {
                double l2 = of.stream().filter(e -> e.getEditL2() != null).mapToDouble(EvaluationResult::getEditL2).average().orElse(Double.NaN);
                s.append(String.format(Locale.ROOT, "   L1 x100 %.2f (paper 5.4), L2 x100 %.2f", 100 * l1.getAsDouble(), 100 * l2));
            }
            s.append(System.lineSeparator());
        }
        if (!genevalMode.isEmpty()) {
            s.append(String.format(Locale.ROOT, "%-15s %7s %9.3f %9.3f %10s%n", "GenEval overall", "", mean(genevalMode), mean(strict),
                    genevalMode.size() == GenEvalTask.values().length ? String.format(Locale.ROOT, "%.2f", GenEvalTask.PAPER_OVERALL)
                            : "(" + genevalMode.size() + " tasks)"));
        }
        return s.toString();
    }

    /** The share of true verdicts among those given (null: not applicable). */
    private static double accuracy(List<Boolean> verdicts) {
        long scored = verdicts.stream().filter(Objects::nonNull).count();
        return scored == 0 ? Double.NaN : verdicts.stream().filter(Boolean.TRUE::equals).count() / (double) scored;
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
