package dev.ddtstream.gpu.batching;

import dev.ddtstream.bundle.BatchPolicy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Forms batches from jobs as they arrive, by a {@link BatchPolicy}: a batch is ready when it is
 * full, or when its oldest job has waited {@code maxWait}. Jobs with different sampling settings
 * share a batch; the engines handle per-job settings.
 *
 * <p>It owns no thread: the worker loop that polls Kafka adds what it polled, asks
 * {@link #timeUntilReady()} how long its next poll may block, and {@link #drain()}s when
 * {@link #ready()}. That keeps batching deterministic and the consumer on one thread, as Kafka's
 * consumer requires. Not thread-safe for the same reason.
 *
 * @param <T> the job type
 */
public final class DynamicBatcher<T> {

    private final BatchPolicy policy;
    private final LongSupplier nanoTime;
    private final ArrayDeque<Arrival<T>> queue = new ArrayDeque<>();

    private record Arrival<T>(T job, long atNanos) {
    }

    public DynamicBatcher(BatchPolicy policy) {
        this(policy, System::nanoTime);
    }

    /** With an explicit clock, for tests. */
    DynamicBatcher(BatchPolicy policy, LongSupplier nanoTime) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** Queues a job; its wait starts now. */
    public void add(T job) {
        queue.addLast(new Arrival<>(Objects.requireNonNull(job, "job"), nanoTime.getAsLong()));
    }

    /** Jobs waiting. */
    public int size() {
        return queue.size();
    }

    /** Whether a batch should be served now. */
    public boolean ready() {
        return !queue.isEmpty() && (queue.size() >= policy.maxBatchSize() || oldestWaited() >= policy.maxWait().toNanos());
    }

    /**
     * How long until {@link #ready()} turns true by itself: zero when it already is, the policy's
     * {@code maxWait} when nothing waits (a poll may block that long without delaying anyone).
     */
    public Duration timeUntilReady() {
        if (queue.isEmpty()) {
            return policy.maxWait();
        }
        if (queue.size() >= policy.maxBatchSize()) {
            return Duration.ZERO;
        }
        // one reading of the clock: two could straddle the deadline and give a negative wait, which poll refuses
        return Duration.ofNanos(Math.max(0, policy.maxWait().toNanos() - oldestWaited()));
    }

    /** Takes the oldest jobs, at most {@code maxBatchSize}, in arrival order; empty when none wait. */
    public List<T> drain() {
        int n = Math.min(queue.size(), policy.maxBatchSize());
        List<T> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(queue.removeFirst().job());
        }
        return batch;
    }

    /**
     * Drops the waiting jobs that match, keeping the others in order; returns how many went.
     * The worker loop calls it when partitions are taken away or a transaction is aborted: the
     * dropped jobs were never committed, so Kafka delivers them again.
     */
    public int discardIf(Predicate<T> drop) {
        int before = queue.size();
        queue.removeIf(a -> drop.test(a.job()));
        return before - queue.size();
    }

    /** How long the oldest waiting job has waited, in nanoseconds. */
    long oldestWaited() {
        return queue.isEmpty() ? 0 : nanoTime.getAsLong() - queue.peekFirst().atNanos();
    }
}
