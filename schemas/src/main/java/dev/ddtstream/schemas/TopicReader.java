package dev.ddtstream.schemas;

import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The one typed reader of catalogue topics, for every reader of result topics (the client, the
 * dashboard, the suites' tables, tests): one consumer over several topics that reads committed
 * records only (unless asked otherwise), either every partition from the beginning or from the
 * end ({@link #assign}), or as a member of a consumer group ({@link #subscribe}), and decodes each
 * record into its topic's value type. A record of a topic the reader was not built for is refused
 * with an {@link IllegalStateException}, never decoded as some other type. Not thread-safe, like
 * the consumer it wraps; {@link #wakeup} may be called from any thread. A registry that does not
 * answer holds the reader up (for up to {@link #REGISTRY_PATIENCE}) rather than failing a readable record.
 */
public final class TopicReader implements AutoCloseable {

    /** Where an assigned reader starts. */
    public enum Start { BEGINNING, END }

    /** How long a record waits for a registry that does not answer before it is handed over as an error. */
    static final Duration REGISTRY_PATIENCE = Duration.ofSeconds(60);

    /**
     * One record, decoded by its topic's type, or the reason it could not be.
     *
     * @param value the decoded value; null for a tombstone or when {@code error} is set
     * @param error why the value could not be decoded (bad frame, unknown schema id), or null
     */
    public record Received(Topic<?> topic, String key, int partition, long offset, SpecificRecord value,
                           SerializationException error) {

        public boolean readable() {
            return error == null;
        }

        /** The value as {@code topic}'s type; refuses a record of another topic, and rethrows a decoding error. */
        public <V extends SpecificRecord> V value(Topic<V> expected) {
            if (!expected.equals(topic)) {
                throw new IllegalStateException("record of " + topic + " read as " + expected);
            }
            if (error != null) {
                throw error;
            }
            return expected.valueType().cast(value);
        }
    }

    private final Consumer<String, byte[]> consumer;
    private final Map<String, Topic<?>> topics = new LinkedHashMap<>();
    private final Map<String, ConfluentAvroDeserializer<? extends SpecificRecord>> values = new HashMap<>();
    private final List<TopicPartition> assigned = new ArrayList<>();

    private TopicReader(Consumer<String, byte[]> consumer, SchemaRegistryClient registry, Collection<Topic<?>> topics) {
        this.consumer = consumer;
        for (Topic<?> t : topics) {
            this.topics.put(t.name(), t);
            values.put(t.name(), new ConfluentAvroDeserializer<>(registry, t.valueType()));
        }
    }

    /** A reader over a consumer the caller built, subscribed or assigned (tests pass Kafka's {@code MockConsumer}). */
    public static TopicReader over(Consumer<String, byte[]> consumer, SchemaRegistryClient registry, Collection<Topic<?>> topics) {
        return new TopicReader(consumer, registry, topics);
    }

    /**
     * Every partition of {@code topics}, from their beginning or their end (positions fixed before
     * this returns, so a request published afterwards is never missed), committed records only.
     *
     * @param clientProperties Kafka client properties and the registry's, passed through
     */
    public static TopicReader assign(Map<String, Object> clientProperties, Collection<Topic<?>> topics, Start start) {
        return assign(clientProperties, topics, start, true);
    }

    /** As {@link #assign(Map, Collection, Start)}; {@code committedOnly = false} also reads records of open or aborted transactions. */
    public static TopicReader assign(Map<String, Object> clientProperties, Collection<Topic<?>> topics, Start start,
                                     boolean committedOnly) {
        TopicReader r = new TopicReader(consumer(clientProperties, null, committedOnly),
                SchemaRegistryConfig.clientFrom(clientProperties), topics);
        for (Topic<?> t : topics) {
            List<PartitionInfo> partitions = r.consumer.partitionsFor(t.name());
            if (partitions == null || partitions.isEmpty()) {
                r.consumer.close(Duration.ZERO);
                throw new IllegalStateException("topic " + t.name() + " does not exist: provision the cluster first (ddt provision)");
            }
            partitions.forEach(p -> r.assigned.add(new TopicPartition(p.topic(), p.partition())));
        }
        r.consumer.assign(r.assigned);
        if (start == Start.BEGINNING) {
            r.consumer.seekToBeginning(r.assigned);
        } else {
            r.consumer.seekToEnd(r.assigned);
        }
        r.assigned.forEach(r.consumer::position); // seeks are lazy: resolve them now
        return r;
    }

    /** A member of consumer group {@code groupId} reading {@code topics}, committed records only. */
    public static TopicReader subscribe(Map<String, Object> clientProperties, String groupId, Collection<Topic<?>> topics) {
        TopicReader r = new TopicReader(consumer(clientProperties, Objects.requireNonNull(groupId, "groupId"), true),
                SchemaRegistryConfig.clientFrom(clientProperties), topics);
        r.consumer.subscribe(r.topics.keySet());
        return r;
    }

    private static Consumer<String, byte[]> consumer(Map<String, Object> clientProperties, String groupId, boolean committedOnly) {
        Map<String, Object> c = new HashMap<>(clientProperties);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, groupId != null);
        if (groupId != null) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The records that arrive within {@code timeout}, each decoded by its topic's type. */
    public List<Received> poll(Duration timeout) {
        List<Received> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
            out.add(decode(r));
        }
        return out;
    }

    Received decode(ConsumerRecord<String, byte[]> r) {
        Topic<?> topic = topics.get(r.topic());
        if (topic == null) {
            throw new IllegalStateException("a reader of " + topics.keySet() + " got a record of " + r.topic());
        }
        long giveUpAt = System.nanoTime() + REGISTRY_PATIENCE.toNanos();
        while (true) {
            try {
                return new Received(topic, r.key(), r.partition(), r.offset(), values.get(r.topic()).deserialize(r.topic(), r.value()), null);
            } catch (RegistryUnreachableException e) {
                // the record is fine: wait for the registry rather than hand its reader an error for a readable record
                if (System.nanoTime() > giveUpAt) {
                    return new Received(topic, r.key(), r.partition(), r.offset(), null, e);
                }
                pause(Duration.ofMillis(500));
            } catch (SerializationException e) {
                return new Received(topic, r.key(), r.partition(), r.offset(), null, e);
            }
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    /** Whether an assigned reader has read everything its partitions held when this was asked. */
    public boolean caughtUp() {
        Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
        return assigned.stream().allMatch(p -> consumer.position(p) >= end.get(p));
    }

    /** Makes a blocked {@link #poll} throw {@code WakeupException}; safe from any thread. */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
