package dev.ddtstream.tests.workers;

import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import dev.ddtstream.testenv.TestEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

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
        Map<String, Object> props = new HashMap<>(env.clientProperties());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
        SchemaRegistryClient registry = SchemaRegistryClient.create(env.schemaRegistryUrl());
        Map<String, List<V>> byKey = new HashMap<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ConfluentAvroDeserializer<>(registry, topic.valueType()))) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic.name()).forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                    if (keys.contains(r.key())) {
                        byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                    }
                }
                if (done.test(byKey) && caughtUp(consumer, parts)) {
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

    private static boolean caughtUp(KafkaConsumer<?, ?> consumer, List<TopicPartition> parts) {
        Map<TopicPartition, Long> end = consumer.endOffsets(parts);
        return parts.stream().allMatch(p -> consumer.position(p) >= end.get(p));
    }
}
