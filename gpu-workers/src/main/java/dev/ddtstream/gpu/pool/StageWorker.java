package dev.ddtstream.gpu.pool;

import dev.ddtstream.gpu.batching.DynamicBatcher;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
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
final class StageWorker<J extends SpecificRecord> extends TransactionalWorker<J> {

    private static final Logger log = LoggerFactory.getLogger(StageWorker.class);
    /** How often the worker polls (its partitions paused) while a batch computes. */
    private static final Duration POLL_WHILE_COMPUTING = Duration.ofMillis(200);

    private final DynamicBatcher<ConsumerRecord<byte[], byte[]>> batcher;
    private final ExecutorService compute;
    /** Partitions taken away while a batch computed: a batch with jobs of theirs is not committed. */
    private final Set<TopicPartition> revokedInFlight = new HashSet<>();
    private boolean computing;
    private long batches;

    StageWorker(BatchedStage<J> stage, String workerId, PoolSettings settings, Map<String, Object> clientProperties,
                SchemaRegistryClient registry, PoolMetrics metrics, BatchObserver observer) {
        super(stage, workerId, settings, clientProperties, registry, metrics, observer);
        this.batcher = new DynamicBatcher<>(settings.batch());
        this.compute = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, workerId + "-compute");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    protected void work() {
        while (running) {
            if (!batcher.ready()) {
                poll();
            }
            if (running && batcher.ready()) {
                serve(batcher.drain());
            }
        }
    }

    @Override
    protected int queued() {
        return batcher.size();
    }

    @Override
    protected String describe() {
        return "";
    }

    @Override
    protected void ending() {
        compute.shutdownNow();
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
        BatchRecords out = BatchRecords.of(stage.stage(), workerId, batchId, jobs, finishedAt);
        if (!commit(batchId, out, records.size(), nextOffsets(records))) {
            rewind();
            return;
        }
        record(jobs, out, finishedAt - startedAt);
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
    private void record(List<ServedJob> jobs, BatchRecords out, long computeMs) {
        metrics.batch(jobs.size(), computeMs);
        recordCommitted(jobs, out);
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
        clients.seekToCommitted();
    }

    /** Jobs of partitions taken away are dropped uncommitted: their next owner serves them. */
    @Override
    protected void dropPartitions(Collection<TopicPartition> partitions) {
        if (computing) {
            revokedInFlight.addAll(partitions);
        }
        int dropped = batcher.discardIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
        metrics.queuedDelta(-dropped);
    }
}
