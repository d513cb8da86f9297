package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.JobHeader;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a pool that runs its stage continuously: a {@link StepLoop} that jobs join at
 * the next step and leave at the step they finish, on one thread, in a loop of poll, admit,
 * step, publish. Polling between steps keeps the group membership alive however long a job
 * runs (a step is one token).
 *
 * <p>Exactly once with results that finish out of order: finished jobs are published together in
 * one transaction once the oldest of them has waited the pool's commit interval, or at once when
 * the loop has emptied, with, for each partition, the offset of its lowest job not yet published
 * (queued or running), or past the last one polled when none is left. A crash loses nothing:
 * the next owner starts from those offsets. It may serve again a job whose result was
 * committed above a job still running at the crash; the orchestrators ignore (and count) a
 * stage result for a request that has already moved on, so each request still gets one answer.
 */
final class ContinuousWorker<J extends SpecificRecord> extends TransactionalWorker<J> {

    private static final Logger log = LoggerFactory.getLogger(ContinuousWorker.class);

    /** A job in the loop, with what its result needs. */
    private record Running<J>(ConsumerRecord<byte[], byte[]> record, J job, JobHeader header, long startedAtMs) {
    }

    private final int maxJobs;
    private final long commitIntervalNanos;
    private final StepLoop<J, Running<J>> loop;
    /** Polled, not yet in the loop, in offset order per partition. */
    private final Deque<ConsumerRecord<byte[], byte[]>> queue = new ArrayDeque<>();
    /** The head of {@link #queue} once read (reading deserializes; a head that does not fit yet waits read). */
    private JobBatch.Read<J> head;
    /** Per partition: offsets polled whose result is not yet published (queued or running). */
    private final Map<TopicPartition, TreeSet<Long>> unfinished = new HashMap<>();
    /** Per partition: the offset after the last one polled. */
    private final Map<TopicPartition, Long> polledTo = new HashMap<>();
    private final List<ServedJob> finished = new ArrayList<>();
    private long registryRetryAt;
    private long transactions;
    /** When the oldest result in {@link #finished} finished (nanoTime), or -1 with none waiting. */
    private long oldestFinishedAt = -1;

    ContinuousWorker(SteppedStage<J> stage, String workerId, PoolSettings settings, Map<String, Object> clientProperties,
                     SchemaRegistryClient registry, PoolMetrics metrics, BatchObserver observer) {
        super(stage, workerId, settings, clientProperties, registry, metrics, observer);
        this.maxJobs = settings.batch().maxBatchSize();
        this.commitIntervalNanos = settings.commitInterval().toNanos();
        this.loop = stage.loop(maxJobs);
    }

    /** Until stopped: after {@link #stop()} no job is admitted, and those running finish and are committed. */
    @Override
    protected void work() {
        while (!killed && (running || !loop.isEmpty())) {
            if (running) {
                poll();
                admit();
            }
            if (!loop.isEmpty()) {
                step();
            }
            if (!finished.isEmpty() && !killed && publishDue()) {
                publish();
            }
        }
    }

    @Override
    protected int queued() {
        return queue.size();
    }

    @Override
    protected String describe() {
        return " continuously (batch.max-size " + maxJobs + ")";
    }

    /** Publish when the oldest waiting result has waited the interval, or nothing runs that could join it. */
    private boolean publishDue() {
        long now = System.nanoTime();
        if (oldestFinishedAt < 0) {
            oldestFinishedAt = now;
        }
        return loop.isEmpty() || !running || now - oldestFinishedAt >= commitIntervalNanos;
    }

    private void poll() {
        // a full queue stops fetching: the records stay in Kafka for this worker or another
        if (queue.size() >= maxJobs) {
            consumer.pause(consumer.assignment());
        } else {
            consumer.resume(consumer.paused());
        }
        Duration wait = loop.isEmpty() && queue.isEmpty() ? IDLE_POLL : Duration.ZERO;
        try {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                queue.add(r);
                unfinished.computeIfAbsent(tp, k -> new TreeSet<>()).add(r.offset());
                polledTo.put(tp, r.offset() + 1);
                metrics.queuedDelta(1);
            }
        } catch (WakeupException e) {
            // stop() or kill(): the loop condition decides
        }
    }

    /** Moves queued jobs into the loop while they fit; unreadable or late ones finish at once, refused. */
    private void admit() {
        long now = System.currentTimeMillis();
        while (!queue.isEmpty() && now >= registryRetryAt) {
            ConsumerRecord<byte[], byte[]> r = queue.peek();
            if (head == null) {
                try {
                    head = JobBatch.read(stage, jobReader, r, now);
                } catch (RegistryUnreachableException e) {
                    log.warn("worker {}: job at {}-{}@{} waits for the registry: {}", workerId, r.topic(), r.partition(),
                            r.offset(), e.getMessage());
                    registryRetryAt = now + REGISTRY_RETRY.toMillis();
                    return;
                }
            }
            if (head.refused() == null && !loop.fits(head.job())) {
                return;
            }
            queue.poll();
            metrics.queuedDelta(-1);
            JobBatch.Read<J> read = head;
            head = null;
            if (read.refused() != null) {
                finished.add(read.refused());
                continue;
            }
            Outcome refusal = loop.join(read.job(), new Running<>(r, read.job(), read.header(), now));
            if (refusal != null) {
                finished.add(new ServedJob(r, read.header(), read.header().getRequestId(), refusal, now));
            }
        }
    }

    private void step() {
        int size = loop.size();
        long started = System.currentTimeMillis();
        try {
            for (StepLoop.Finished<Running<J>> f : loop.step()) {
                finished.add(served(f.tag(), f.outcome()));
            }
        } catch (EngineException | IllegalArgumentException | IllegalStateException e) {
            log.warn("{} engine failed on a step of {} jobs ({}); serving them one by one", stage.stage(), size, e.toString());
            for (Running<J> r : loop.cancel(t -> true)) {
                finished.add(served(r, JobBatch.isolating(stage, List.of(r.job())).get(0)));
            }
        }
        metrics.batch(size, System.currentTimeMillis() - started);
    }

    private static <J> ServedJob served(Running<J> r, Outcome outcome) {
        return new ServedJob(r.record(), r.header(), r.header().getRequestId(), outcome, r.startedAtMs());
    }

    /** One transaction: the finished jobs' records and, per partition, the offset below which everything is published. */
    private void publish() {
        long finishedAt = System.currentTimeMillis();
        String batchId = workerId + "-" + (++transactions);
        BatchRecords out = BatchRecords.of(stage.stage(), workerId, batchId, finished, finishedAt);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ServedJob j : finished) {
            TopicPartition tp = new TopicPartition(j.record().topic(), j.record().partition());
            unfinished.get(tp).remove(j.record().offset());
            offsets.put(tp, null);
        }
        offsets.replaceAll((tp, none) -> new OffsetAndMetadata(publishedTo(tp)));
        oldestFinishedAt = -1;
        if (!commit(batchId, out, finished.size(), offsets)) {
            rewind(); // every job polled, finished or running, is served again
            return;
        }
        recordCommitted(finished, out);
        finished.clear();
    }

    /** The offset of a partition's lowest job not yet published, or past the last polled when none is left. */
    private long publishedTo(TopicPartition tp) {
        TreeSet<Long> open = unfinished.get(tp);
        return open.isEmpty() ? polledTo.get(tp) : open.first();
    }

    /** After an abort: forget every job polled, running or finished, and go back to the committed offsets. */
    private void rewind() {
        loop.cancel(t -> true);
        metrics.queuedDelta(-queue.size());
        queue.clear();
        head = null;
        finished.clear();
        unfinished.clear();
        polledTo.clear();
        clients.seekToCommitted();
    }

    /** Jobs of partitions taken away leave the loop unpublished: their next owner serves them. */
    @Override
    protected void dropPartitions(Collection<TopicPartition> partitions) {
        loop.cancel(t -> partitions.contains(new TopicPartition(t.record().topic(), t.record().partition())));
        int before = queue.size();
        queue.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
        metrics.queuedDelta(queue.size() - before);
        finished.removeIf(j -> partitions.contains(new TopicPartition(j.record().topic(), j.record().partition())));
        if (finished.isEmpty()) {
            oldestFinishedAt = -1;
        }
        head = null;
        partitions.forEach(tp -> {
            unfinished.remove(tp);
            polledTo.remove(tp);
        });
    }
}
