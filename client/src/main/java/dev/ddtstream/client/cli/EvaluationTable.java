package dev.ddtstream.client.cli;

import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The evaluator's verdicts on a suite, read back from {@code ddt.evaluations}, as a table. */
final class EvaluationTable {

    /** GenEval's six tasks and the paper's DDT-LLaMA scores (CVPR 2025, table of GenEval). */
    static final Map<String, Double> PAPER = new LinkedHashMap<>();

    static {
        PAPER.put("single_object", 0.99);
        PAPER.put("two_object", 0.64);
        PAPER.put("counting", 0.56);
        PAPER.put("colors", 0.87);
        PAPER.put("position", 0.39);
        PAPER.put("color_attr", 0.48);
    }

    private EvaluationTable() {
    }

    /** The evaluations of {@code ids} (committed ones only), waiting up to {@code timeout} for all of them. */
    static List<EvaluationResult> await(Map<String, Object> client, Set<String> ids, Duration timeout) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, EvaluationResult> found = new HashMap<>();
        try (KafkaConsumer<String, EvaluationResult> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new ConfluentAvroDeserializer<>(SchemaRegistryConfig.clientFrom(client), EvaluationResult.class))) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(Topics.EVALUATIONS.name()).forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (found.size() < ids.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, EvaluationResult> r : c.poll(Duration.ofMillis(250))) {
                    if (ids.contains(r.key())) {
                        found.put(r.key(), r.value());
                    }
                }
            }
        }
        return new ArrayList<>(found.values());
    }

    /** Per task: images scored, correct, accuracy (and the paper's DDT-LLaMA for GenEval's tasks); edit L1/L2; GenEval overall. */
    static String format(List<EvaluationResult> evaluations) {
        Map<String, List<EvaluationResult>> byTask = new LinkedHashMap<>();
        PAPER.keySet().forEach(t -> byTask.put(t, new ArrayList<>()));
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
            if (PAPER.containsKey(t.getKey())) {
                geneval.add(accuracy);
            }
            s.append(String.format(Locale.ROOT, "%-14s %7d %8d %9.3f %14s", t.getKey(), of.size(), correct, accuracy,
                    PAPER.containsKey(t.getKey()) ? String.format(Locale.ROOT, "%.2f", PAPER.get(t.getKey())) : ""));
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
                    geneval.size() == 6 ? "0.66" : "(mean of " + geneval.size() + " tasks)"));
        }
        return s.toString();
    }
}
