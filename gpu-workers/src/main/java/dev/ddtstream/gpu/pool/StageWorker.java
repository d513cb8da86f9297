package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.BatchOutcome;
import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.StageEvent;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.gpu.batching.DynamicBatcher;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a pool: a consumer of the stage's job topic and a transactional producer, on
 * one thread. Per batch: read the jobs (an unreadable record is refused, not fatal), serve the
 * readable ones in one engine call, then in one transaction send every result, error result,
 * dead letter and the batch's stage event together with the consumed offsets. A crash before
 * the commit leaves nothing visible to {@code read_committed} readers and the offsets
 * uncommitted, so the next owner of the partitions serves the batch again: exactly one result
 * per job.
 */
final class StageWorker<J extends SpecificRecord> implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(StageWorker.class);
    /** How long a poll may block while nothing waits: new records end it at once anyway. */
    private static final Duration IDLE_POLL = Duration.ofMillis(500);

    private final BatchedStage<J> stage;
    private final String workerId;
    private final String jobTopic;
    private final PoolMetrics metrics;
    private final BatchObserver observer;
    private final DynamicBatcher<ConsumerRecord<byte[], byte[]>> batcher;
    private final ConfluentAvroDeserializer<J> jobReader;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<String, SpecificRecord> producer;
    private volatile boolean running = true;
    private volatile boolean killed;
    private volatile Throwable failure;
    private long batches;

    StageWorker(BatchedStage<J> stage, String workerId, PoolSettings settings, Map<String, Object> clientProperties,
                SchemaRegistryClient registry, PoolMetrics metrics, BatchObserver observer) {
        this.stage = stage;
        this.workerId = workerId;
        this.jobTopic = stage.jobTopic().name();
        this.metrics = metrics;
        this.observer = observer;
        this.batcher = new DynamicBatcher<>(settings.batch());
        this.jobReader = new ConfluentAvroDeserializer<>(registry, stage.jobTopic().valueType());

        Map<String, Object> c = new HashMap<>(clientProperties);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, workerId + "-consumer");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.batch().maxBatchSize());
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());

        Map<String, Object> p = new HashMap<>(clientProperties);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, workerId);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, workerId + "-producer");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        ConfluentAvroSerializer<SpecificRecord> values = new ConfluentAvroSerializer<>();
        values.configure(clientProperties, false);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), values);
    }

    String workerId() {
        return workerId;
    }

    Throwable failure() {
        return failure;
    }

    /** Asks the loop to stop after the batch in flight; queued jobs stay uncommitted for the next owner. */
    void stop() {
        running = false;
        consumer.wakeup();
    }

    /** Simulates a crash: the clients close at once, nothing more is committed or aborted. */
    void kill() {
        killed = true;
        running = false;
        producer.close(Duration.ZERO);
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            producer.initTransactions();
            consumer.subscribe(List.of(jobTopic), new Rebalance());
            log.info("worker {} consuming {}", workerId, jobTopic);
            while (running) {
                if (!batcher.ready()) {
                    poll();
                }
                if (running && batcher.ready()) {
                    serve(batcher.drain());
                }
            }
        } catch (WakeupException e) {
            // stop() reached a blocking call outside poll (the rewind after an abort): nothing is lost
        } catch (RuntimeException e) {
            if (!killed) {
                failure = e;
                log.error("worker {} failed and stops: {}", workerId, e.toString(), e);
            }
        } finally {
            metrics.queuedDelta(-batcher.size());
            close();
        }
    }

    private void poll() {
        Duration wait = batcher.size() == 0 ? IDLE_POLL : batcher.timeUntilReady();
        try {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
                batcher.add(r);
                metrics.queuedDelta(1);
            }
        } catch (WakeupException e) {
            // stop() or kill(): the loop condition decides
        }
    }

    private void close() {
        if (killed) {
            consumer.close(Duration.ZERO);
            log.info("worker {} killed", workerId);
            return;
        }
        log.info("worker {} stopping; {} queued jobs left uncommitted for the next owner", workerId, batcher.size());
        producer.close();
        consumer.close();
    }

    /** One job record of a batch and what became of it. */
    private final class Slot {
        final ConsumerRecord<byte[], byte[]> record;
        J job;
        JobHeader header;
        String requestId;
        Outcome outcome;

        Slot(ConsumerRecord<byte[], byte[]> record) {
            this.record = record;
        }
    }

    private void serve(List<ConsumerRecord<byte[], byte[]>> records) {
        metrics.queuedDelta(-records.size());
        String batchId = workerId + "-" + (++batches);
        long startedAt = System.currentTimeMillis();
        List<Slot> slots = new ArrayList<>(records.size());
        List<Slot> toServe = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Slot s = read(r, startedAt);
            slots.add(s);
            if (s.outcome == null) {
                toServe.add(s);
            }
        }
        List<Outcome> served = serveIsolating(toServe.stream().map(s -> s.job).toList());
        for (int i = 0; i < toServe.size(); i++) {
            toServe.get(i).outcome = served.get(i);
        }
        long finishedAt = System.currentTimeMillis();
        metrics.batch(records.size(), finishedAt - startedAt);
        try {
            producer.beginTransaction();
            StageEvent event = send(slots, batchId, startedAt, finishedAt);
            producer.send(new ProducerRecord<>(Topics.STAGE_EVENTS.name(), workerId, event));
            producer.flush();
            observer.sentUncommitted(workerId, batchId, records.size());
            producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
            producer.commitTransaction();
            metrics.committed();
            log.debug("batch {}: {} jobs, {} ms, {}", batchId, records.size(), finishedAt - startedAt, event.getOutcome());
        } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                 | AuthorizationException e) {
            throw new IllegalStateException("worker " + workerId + " cannot go on: " + e, e);
        } catch (KafkaException e) {
            if (killed) {
                throw e;
            }
            log.warn("batch {} aborted ({}); its {} jobs will be served again", batchId, e.toString(), records.size());
            producer.abortTransaction();
            metrics.aborted();
            rewind();
        }
    }

    /** Reads a record into a job, or refuses it: unreadable, or past its deadline. */
    private Slot read(ConsumerRecord<byte[], byte[]> r, long now) {
        Slot s = new Slot(r);
        s.requestId = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        try {
            s.job = jobReader.deserialize(jobTopic, r.value());
            if (s.job == null) {
                throw new SerializationException("job record has no value");
            }
        } catch (SerializationException e) {
            s.job = null;
            s.outcome = new Outcome.Refused(ErrorReason.UNDECODABLE_RECORD, e.getMessage());
            return s;
        }
        s.header = JobHeader.of(s.job);
        s.requestId = s.header.requestId();
        Long deadline = s.header.deadlineMs();
        if (deadline != null && deadline <= now) {
            s.outcome = new Outcome.Refused(ErrorReason.DEADLINE_EXCEEDED,
                    "deadline passed " + (now - deadline) + " ms before the " + stage.stage() + " stage started it");
        }
        return s;
    }

    /**
     * Serves the jobs in one engine call; when the model itself fails, serves them one by one
     * so that only the job that breaks it is refused.
     */
    private List<Outcome> serveIsolating(List<J> jobs) {
        if (jobs.isEmpty()) {
            return List.of();
        }
        try {
            return stage.process(jobs);
        } catch (EngineException | IllegalArgumentException | IllegalStateException e) {
            if (jobs.size() == 1) {
                return List.of(new Outcome.Refused(ErrorReason.MODEL_FAILURE, String.valueOf(e.getMessage())));
            }
            log.warn("{} engine failed on a batch of {} ({}); serving its jobs one by one", stage.stage(), jobs.size(), e.toString());
            List<Outcome> out = new ArrayList<>(jobs.size());
            for (J job : jobs) {
                out.addAll(serveIsolating(List.of(job)));
            }
            return out;
        }
    }

    /** Sends every slot's records into the open transaction and returns the batch's stage event. */
    private StageEvent send(List<Slot> slots, String batchId, long startedAt, long finishedAt) {
        List<String> ids = new ArrayList<>();
        List<Long> waits = new ArrayList<>();
        List<Integer> codes = new ArrayList<>();
        int errors = 0;
        for (Slot s : slots) {
            if (s.job != null) {
                long waited = startedAt - s.header.enqueuedAtMs();
                ids.add(s.requestId);
                waits.add(waited);
                metrics.queueWait(waited);
            }
            if (s.outcome instanceof Outcome.Produced p) {
                StageTiming timing = new StageTiming(stage.stage(), workerId, s.header.enqueuedAtMs(), startedAt,
                        finishedAt, slots.size());
                producer.send(new ProducerRecord<>(p.topic().name(), s.requestId, p.result().apply(timing)));
                for (int c : p.visualCodes()) {
                    codes.add(c);
                }
                metrics.served();
            } else if (s.outcome instanceof Outcome.Refused refused) {
                errors++;
                sendRefusal(s, refused, finishedAt);
                metrics.failed(refused.reason());
            }
        }
        BatchOutcome outcome = errors == 0 ? BatchOutcome.OK : errors == slots.size() ? BatchOutcome.FAILED : BatchOutcome.PARTIAL;
        return StageEvent.newBuilder()
                .setStage(stage.stage())
                .setWorker(workerId)
                .setBatchId(batchId)
                .setBatchSize(slots.size())
                .setRequestIds(ids)
                .setQueueWaitMs(waits)
                .setComputeMs(finishedAt - startedAt)
                .setOutcome(outcome)
                .setErrorCount(errors)
                .setVisualCodes(codes)
                .setStartedAtMs(startedAt)
                .setFinishedAtMs(finishedAt)
                .build();
    }

    /**
     * An error result for the request (when its id is known) and, for input the stage could not
     * use, a dead letter with the raw record. A missed deadline is no fault of the record: no dead letter.
     */
    private void sendRefusal(Slot s, Outcome.Refused refused, long at) {
        if (s.requestId != null) {
            ErrorResult error = ErrorResult.newBuilder()
                    .setRequestId(s.requestId)
                    .setKind(s.header == null ? null : s.header.kind())
                    .setReason(refused.reason())
                    .setMessage(refused.message())
                    .setStage(stage.stage())
                    .setFailedAtMs(at)
                    .build();
            producer.send(new ProducerRecord<>(Topics.ERROR_RESULTS.name(), s.requestId, error));
        }
        if (refused.reason() == ErrorReason.DEADLINE_EXCEEDED) {
            return;
        }
        ConsumerRecord<byte[], byte[]> r = s.record;
        DeadLetter letter = DeadLetter.newBuilder()
                .setSourceTopic(r.topic())
                .setPartition(r.partition())
                .setOffset(r.offset())
                .setKey(r.key() == null ? null : ByteBuffer.wrap(r.key()))
                .setValue(r.value() == null ? null : ByteBuffer.wrap(r.value()))
                .setRequestId(s.requestId)
                .setStage(stage.stage())
                .setReason(refused.reason())
                .setMessage(refused.message())
                .setFailedAtMs(at)
                .build();
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), s.requestId != null ? s.requestId : r.topic(), letter));
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            next.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return next;
    }

    /** After an abort: forget what was polled and go back to the committed offsets. */
    private void rewind() {
        metrics.queuedDelta(-batcher.discardIf(r -> true));
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

    /** Jobs of partitions taken away are dropped uncommitted: their next owner serves them. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            drop(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            drop(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            log.debug("worker {} assigned {}", workerId, partitions);
        }

        private void drop(Collection<TopicPartition> partitions) {
            int dropped = batcher.discardIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
            metrics.queuedDelta(-dropped);
        }
    }
}
