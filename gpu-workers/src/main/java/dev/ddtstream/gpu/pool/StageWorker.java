package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.StageEvent;
import dev.ddtstream.gpu.batching.DynamicBatcher;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a pool: a consumer of the stage's job topic and a transactional producer, on
 * one thread, in a loop of get, batch, serve, publish. Serving is {@link JobBatch}'s and what a
 * batch publishes is {@link BatchRecords}'s; this class runs the transaction: every record of the
 * batch together with the consumed offsets, committed at once. A crash before the commit leaves
 * nothing visible to {@code read_committed} readers and the offsets uncommitted, so the next
 * owner of the partitions serves the batch again: exactly one result per job.
 *
 * <p>A batch computes on a second thread while this one keeps polling with its partitions
 * paused, so a batch longer than {@code max.poll.interval.ms} (a deep model's) never costs the
 * worker its group membership. Should a rebalance take a partition of the batch in flight, the
 * batch is put back rather than committed: its jobs' next owner serves them.
 */
final class StageWorker<J extends SpecificRecord> implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(StageWorker.class);
    /** How long a poll may block while nothing waits: new records end it at once anyway. */
    private static final Duration IDLE_POLL = Duration.ofMillis(500);
    /** How long a batch whose schemas the registry could not give waits before it is read again. */
    private static final Duration REGISTRY_RETRY = Duration.ofSeconds(1);
    /** How often the worker polls (its partitions paused) while a batch computes. */
    private static final Duration POLL_WHILE_COMPUTING = Duration.ofMillis(200);

    private final BatchedStage<J> stage;
    private final String workerId;
    private final String jobTopic;
    private final PoolMetrics metrics;
    private final BatchObserver observer;
    private final DynamicBatcher<ConsumerRecord<byte[], byte[]>> batcher;
    private final ConfluentAvroDeserializer<J> jobReader;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<String, SpecificRecord> producer;
    private final ExecutorService compute;
    /** Partitions taken away while a batch computed: a batch with jobs of theirs is not committed. */
    private final Set<TopicPartition> revokedInFlight = new HashSet<>();
    private boolean computing;
    private volatile boolean running = true;
    private volatile boolean killed;
    private volatile Throwable failure;
    private volatile boolean joined;
    private volatile boolean committedAny;
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
        // static membership: a restarted worker takes its partitions back without a rebalance, and a dead one's are
        // moved after the session timeout; cooperative rebalancing leaves the other members serving meanwhile
        c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, workerId);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) settings.sessionTimeout().toMillis());
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(500, settings.sessionTimeout().toMillis() / 3));
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());

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
        this.producer = new KafkaProducer<>(p, new StringSerializer(), values);
        this.compute = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, workerId + "-compute");
            t.setDaemon(true);
            return t;
        });
    }

    String workerId() {
        return workerId;
    }

    Throwable failure() {
        return failure;
    }

    boolean killed() {
        return killed;
    }

    /** Whether a batch of this worker's has been committed: after a restart, the failure was not the same at once. */
    boolean committedAny() {
        return committedAny;
    }

    /** Whether the worker has joined its group (its assignment may be empty: more members than partitions). */
    boolean joined() {
        return joined && running;
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
        compute.shutdownNow();
        if (killed) {
            consumer.close(Duration.ZERO);
            log.info("worker {} killed", workerId);
            return;
        }
        log.info("worker {} stopping; {} queued jobs left uncommitted for the next owner", workerId, batcher.size());
        producer.close();
        consumer.close();
    }

    private void serve(List<ConsumerRecord<byte[], byte[]>> records) {
        metrics.queuedDelta(-records.size());
        String batchId = workerId + "-" + (++batches);
        long startedAt = System.currentTimeMillis();
        List<ServedJob> jobs;
        try {
            jobs = computeWhilePolling(records, startedAt);
        } catch (RegistryUnreachableException e) {
            log.warn("batch {} put back: {}; retrying in {} ms", batchId, e.getMessage(), REGISTRY_RETRY.toMillis());
            rewind();
            pauseQuietly(REGISTRY_RETRY);
            return;
        }
        if (jobs == null) {
            return; // killed, or stopped while waiting
        }
        if (records.stream().anyMatch(r -> revokedInFlight.contains(new TopicPartition(r.topic(), r.partition())))) {
            log.info("batch {} put back: a rebalance took partitions of its jobs while it computed", batchId);
            rewind();
            return;
        }
        long finishedAt = System.currentTimeMillis();
        BatchRecords out = BatchRecords.of(stage.stage(), workerId, batchId, jobs, startedAt, finishedAt);
        try {
            producer.beginTransaction();
            out.records().forEach(producer::send);
            producer.flush();
            observer.sentUncommitted(workerId, batchId, records.size());
            producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
            producer.commitTransaction();
            committedAny = true;
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
            return;
        }
        record(jobs, out.event(), finishedAt - startedAt);
        log.debug("batch {}: {} jobs, {} ms, {}", batchId, records.size(), finishedAt - startedAt, out.event().getOutcome());
    }

    /**
     * Serves the batch on the compute thread and polls meanwhile with the assigned partitions
     * paused (records of partitions assigned meanwhile join the next batch); null when the worker
     * is killed while it waits.
     */
    private List<ServedJob> computeWhilePolling(List<ConsumerRecord<byte[], byte[]>> records, long startedAt) {
        revokedInFlight.clear();
        computing = true;
        Future<List<ServedJob>> done = compute.submit(() -> JobBatch.serve(stage, jobReader, records, startedAt));
        try {
            while (true) {
                try {
                    return done.get(POLL_WHILE_COMPUTING.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (killed) {
                        return null;
                    }
                    pollPaused();
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("batch failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return null;
        } finally {
            computing = false;
            if (!killed) {
                consumer.resume(consumer.paused());
            }
        }
    }

    /** One poll that keeps the membership alive and takes no records of the paused partitions. */
    private void pollPaused() {
        consumer.pause(consumer.assignment());
        try {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ZERO)) {
                batcher.add(r);
                metrics.queuedDelta(1);
            }
        } catch (WakeupException e) {
            // stop(): the batch in flight still finishes and commits; kill(): the next wait returns
        }
    }

    /** Meters of a committed batch: an aborted one is served again and counted then. */
    private void record(List<ServedJob> jobs, StageEvent event, long computeMs) {
        metrics.batch(jobs.size(), computeMs);
        event.getQueueWaitMs().forEach(metrics::queueWait);
        for (ServedJob j : jobs) {
            if (j.outcome() instanceof Outcome.Refused refused) {
                metrics.failed(refused.reason());
            } else {
                metrics.served();
            }
        }
        metrics.committed();
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            next.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return next;
    }

    private void pauseQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
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
            joined = true;
            log.debug("worker {} assigned {}", workerId, partitions);
        }

        private void drop(Collection<TopicPartition> partitions) {
            if (computing) {
                revokedInFlight.addAll(partitions);
            }
            int dropped = batcher.discardIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
            metrics.queuedDelta(-dropped);
        }
    }
}
