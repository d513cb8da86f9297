package dev.ddtstream.cli.faults;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.StageEvent;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.TopicReader;
import dev.ddtstream.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The committed record of a drill's requests, read back from the topics with {@code read_committed}:
 * how many terminal answers each request has, how many batches of each stage served it, how many
 * evaluations scored it. This, not what the client saw, is the exactly-once audit.
 */
final class Ledger {

    private static final List<Topic<?>> ANSWERS = List.of(Topics.IMAGE_RESULTS, Topics.CAPTION_RESULTS, Topics.TOKEN_RESULTS,
            Topics.ERROR_RESULTS);

    final Map<String, Integer> answers = new HashMap<>();
    final Map<String, Integer> images = new HashMap<>();
    /** Per stage and request, the committed batches that served it. */
    final Map<String, Integer> served = new HashMap<>();
    final Map<String, Integer> evaluations = new HashMap<>();

    private Ledger() {
    }

    /**
     * Reads every answer and stage event of {@code ids}, then the evaluations until each image answer
     * has one or {@code evaluationWait} has passed (the evaluator commits at its checkpoints).
     */
    static Ledger read(Map<String, Object> client, Set<String> ids, Duration evaluationWait) {
        Ledger l = new Ledger();
        try (TopicReader reader = TopicReader.assign(client, ANSWERS, TopicReader.Start.BEGINNING, true)) {
            drain(reader, r -> {
                if (ids.contains(r.key())) {
                    l.answers.merge(r.key(), 1, Integer::sum);
                    if (r.topic().equals(Topics.IMAGE_RESULTS)) {
                        l.images.merge(r.key(), 1, Integer::sum);
                    }
                }
            }, () -> true, Duration.ofMinutes(2));
        }
        try (TopicReader reader = TopicReader.assign(client, List.of(Topics.STAGE_EVENTS), TopicReader.Start.BEGINNING, true)) {
            drain(reader, r -> {
                StageEvent e = r.value(Topics.STAGE_EVENTS);
                e.getRequestIds().stream().filter(ids::contains).forEach(id -> l.served.merge(e.getStage() + " " + id, 1, Integer::sum));
            }, () -> true, Duration.ofMinutes(2));
        }
        try (TopicReader reader = TopicReader.assign(client, List.of(Topics.EVALUATIONS), TopicReader.Start.BEGINNING, true)) {
            drain(reader, r -> {
                EvaluationResult e = r.value(Topics.EVALUATIONS);
                if (ids.contains(e.getRequestId())) {
                    l.evaluations.merge(e.getRequestId(), 1, Integer::sum);
                }
            }, () -> l.evaluations.keySet().containsAll(l.images.keySet()), evaluationWait);
        }
        return l;
    }

    /** Reads until the reader is at the end and {@code done} holds, or the time is up. */
    private static void drain(TopicReader reader, Consumer<TopicReader.Received> each,
                              BooleanSupplier done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (TopicReader.Received r : reader.poll(Duration.ofMillis(200))) {
                if (r.readable()) {
                    each.accept(r);
                }
            }
            if (reader.caughtUp() && done.getAsBoolean()) {
                return;
            }
        }
    }

    int lost(Set<String> ids) {
        return (int) ids.stream().filter(id -> !answers.containsKey(id)).count();
    }

    int duplicated() {
        return (int) answers.values().stream().filter(n -> n > 1).count();
    }

    int servedTwice() {
        return (int) served.values().stream().filter(n -> n > 1).count();
    }

    /** Image answers with exactly one committed evaluation. */
    int evaluatedOnce() {
        return (int) images.keySet().stream().filter(id -> evaluations.getOrDefault(id, 0) == 1).count();
    }
}
