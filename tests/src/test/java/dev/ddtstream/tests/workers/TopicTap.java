package dev.ddtstream.tests.workers;

import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.TopicReader;
import dev.ddtstream.testenv.TestEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads a catalogue topic from its beginning, keeping the records whose key is one of a test
 * run's ids (tests share the cluster), until a condition holds or time runs out.
 */
public final class TopicTap {

    private TopicTap() {
    }

    /** Records per key, read with {@code read_committed} or {@code read_uncommitted}. */
    public static <V extends SpecificRecord> Map<String, List<V>> read(TestEnvironment env, Topic<V> topic, Set<String> keys,
                                                               boolean committedOnly,
                                                               Predicate<Map<String, List<V>>> done, Duration timeout) {
        Map<String, List<V>> byKey = new HashMap<>();
        try (TopicReader reader = TopicReader.assign(env.clientPropertiesWithRegistry(), List.of(topic), TopicReader.Start.BEGINNING, committedOnly)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (TopicReader.Received r : reader.poll(Duration.ofMillis(200))) {
                    if (keys.contains(r.key())) {
                        byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value(topic));
                    }
                }
                if (done.test(byKey) && reader.caughtUp()) {
                    break;
                }
            }
        }
        return byKey;
    }

    /** Every key of {@code keys} present. */
    public static <V> Predicate<Map<String, List<V>>> all(Set<String> keys) {
        return m -> m.keySet().containsAll(keys);
    }
}
