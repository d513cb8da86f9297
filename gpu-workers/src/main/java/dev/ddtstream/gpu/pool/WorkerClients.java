package dev.ddtstream.gpu.pool;

import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A worker's two Kafka clients, set for exactly once: a {@code read_committed} consumer in the
 * pool's group that never commits on its own, and a transactional producer whose id is the
 * worker's, so that a restarted worker fences its predecessor's open transaction.
 */
record WorkerClients(KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<String, SpecificRecord> producer) {

    static WorkerClients open(String workerId, PoolSettings settings, Map<String, Object> clientProperties, int maxPollRecords) {
        Map<String, Object> c = new HashMap<>(clientProperties);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, workerId + "-consumer");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        // static membership: a restarted worker takes its partitions back without a rebalance, and a dead one's are
        // moved after the session timeout; cooperative rebalancing leaves the other members serving meanwhile
        c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, workerId);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) settings.sessionTimeout().toMillis());
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(500, settings.sessionTimeout().toMillis() / 3));
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());

        Map<String, Object> p = new HashMap<>(clientProperties);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, workerId);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, workerId + "-producer");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // a transaction lives only from a computed batch's first send to its commit; should the worker die inside it,
        // the broker aborts it after this (the default, 60 s, would hold back read_committed readers of every
        // partition it wrote to that long, unless the worker comes back under its id first)
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        ConfluentAvroSerializer<SpecificRecord> values = new ConfluentAvroSerializer<>();
        values.configure(clientProperties, false);
        return new WorkerClients(consumer, new KafkaProducer<>(p, new StringSerializer(), values));
    }

    /** After an abort: every assigned partition goes back to its committed offset (the beginning if none). */
    void seekToCommitted() {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata o = committed.get(tp);
            if (o == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, o);
            }
        }
    }
}
