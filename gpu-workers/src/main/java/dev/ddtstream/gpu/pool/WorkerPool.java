package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.Stage;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one stage in this process. Each worker is a member of the pool's consumer
 * group with its own transactional producer; more workers here or more processes elsewhere
 * (same group, different {@link PoolSettings#instance()}) share the job topic's partitions.
 *
 * <p>A worker that fails is never left dead: its slot starts a new one under the same id (the
 * new producer fences the old one's transaction, static membership hands back its partitions),
 * after a back-off that doubles ({@link PoolSettings.RestartPolicy}). A worker that fails too often
 * without a batch committed in between is given up: the pool turns unhealthy and calls its
 * {@code onGiveUp} (the service's process exits, so its supervisor restarts it).
 *
 * <p>{@link #close()} stops gracefully: each worker finishes and commits the batch in flight,
 * and jobs it had queued but not started stay uncommitted for the group to serve again.
 *
 * @param <J> the stage's job type
 */
public final class WorkerPool<J extends SpecificRecord> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    private final Stage stage;
    private final List<Slot> slots;
    private volatile boolean closing;
    private volatile Throwable gaveUp;

    /** One worker id's thread: runs a worker, and a new one when it fails. */
    private final class Slot implements Runnable {
        final String workerId;
        final Supplier<PoolWorker> newWorker;
        final PoolSettings.RestartPolicy policy;
        final Consumer<Throwable> onGiveUp;
        final Thread thread;
        volatile PoolWorker current;
        volatile int restarts;
        volatile boolean backingOff;

        Slot(String workerId, Supplier<PoolWorker> newWorker, PoolSettings.RestartPolicy policy, Consumer<Throwable> onGiveUp) {
            this.workerId = workerId;
            this.newWorker = newWorker;
            this.policy = policy;
            this.onGiveUp = onGiveUp;
            this.thread = new Thread(this, workerId);
        }

        @Override
        public void run() {
            int failures = 0;
            while (!closing) {
                PoolWorker w = newWorker.get();
                current = w;
                if (closing) {
                    w.stop(); // close() came while it was being made: it only opens and closes its clients
                }
                w.run();
                Throwable failure = w.failure();
                if (closing || w.killed() || failure == null) {
                    return;
                }
                failures = w.committedAny() ? 1 : failures + 1;
                if (failures > policy.maxRestarts()) {
                    gaveUp = failure;
                    log.error("worker {} failed {} times in a row; the {} pool gives it up", workerId, failures, stage, failure);
                    onGiveUp.accept(failure);
                    return;
                }
                Duration backoff = policy.backoff(failures);
                log.warn("worker {} failed ({}); restarting it in {} ms", workerId, failure, backoff.toMillis());
                restarts++;
                backingOff = true;
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException e) {
                    return;
                } finally {
                    backingOff = false;
                }
            }
        }
    }

    private WorkerPool(Stage stage, List<Slot> slots) {
        this.stage = stage;
        this.slots = slots;
    }

    /**
     * Starts {@code settings.workers()} workers for {@code stage}.
     *
     * @param clientProperties Kafka client properties (bootstrap servers, security, ...) and the
     *                         Schema Registry properties ({@code schema.registry.url}, ...), passed
     *                         through as given; the pool sets only what exactly-once needs
     * @param meters           where the pool's meters go
     * @param observer         sees each batch before its commit (fault-injection tests)
     * @param onGiveUp         called once a worker has failed too often to restart it again
     */
    public static <J extends SpecificRecord> WorkerPool<J> start(BatchedStage<J> stage, PoolSettings settings,
                                                                 Map<String, Object> clientProperties,
                                                                 MeterRegistry meters, BatchObserver observer,
                                                                 Consumer<Throwable> onGiveUp) {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(settings, "settings");
        boolean continuous = settings.scheduler() == PoolSettings.Scheduler.CONTINUOUS;
        if (continuous && !(stage instanceof SteppedStage<J>)) {
            throw new IllegalArgumentException("the " + stage.stage() + " stage has no steps to schedule continuously");
        }
        SchemaRegistryClient registry = SchemaRegistryConfig.clientFrom(clientProperties);
        PoolMetrics metrics = new PoolMetrics(meters, stage.stage());
        List<WorkerPool<J>.Slot> slots = new ArrayList<>();
        WorkerPool<J> pool = new WorkerPool<>(stage.stage(), slots);
        for (int i = 0; i < settings.workers(); i++) {
            String id = settings.workerId(stage.stage(), i);
            Supplier<PoolWorker> worker = continuous
                    ? () -> new ContinuousWorker<>((SteppedStage<J>) stage, id, settings, clientProperties, registry, metrics, observer)
                    : () -> new StageWorker<>(stage, id, settings, clientProperties, registry, metrics, observer);
            slots.add(pool.new Slot(id, worker, settings.restarts(), onGiveUp));
        }
        slots.forEach(s -> s.thread.start());
        if (continuous) {
            log.info("{} pool started: {} worker(s) in group {}, continuous: up to {} jobs running, session timeout {} ms",
                    stage.stage(), settings.workers(), settings.groupId(), settings.batch().maxBatchSize(),
                    settings.sessionTimeout().toMillis());
        } else {
            log.info("{} pool started: {} worker(s) in group {}, batches up to {} jobs or {} ms, session timeout {} ms",
                    stage.stage(), settings.workers(), settings.groupId(), settings.batch().maxBatchSize(),
                    settings.batch().maxWait().toMillis(), settings.sessionTimeout().toMillis());
        }
        return pool;
    }

    public Stage stage() {
        return stage;
    }

    /** Live: no worker has been given up (one restarting after a failure still counts as live). */
    public boolean healthy() {
        return gaveUp == null;
    }

    /** Ready: every worker has joined the group and is polling. */
    public boolean ready() {
        return healthy() && slots.stream().allMatch(s -> s.current != null && s.current.joined());
    }

    /** Whether every worker thread has ended (after {@link #close()}, {@link #kill()}, or every worker given up). */
    public boolean stopped() {
        return slots.stream().noneMatch(s -> s.thread.isAlive());
    }

    /** Workers restarted after a failure since the pool started. */
    public int restarts() {
        return slots.stream().mapToInt(s -> s.restarts).sum();
    }

    /** The failure that made the pool give a worker up, if any. */
    public Throwable failure() {
        return gaveUp;
    }

    /**
     * Crashes the pool on purpose, for fault-injection tests: every worker's producer closes at
     * once without committing or aborting, and its consumer closes without committing.
     */
    public void kill() {
        closing = true;
        slots.forEach(s -> {
            if (s.current != null) {
                s.current.kill();
            }
            s.thread.interrupt();
        });
        join(Duration.ofSeconds(30));
        log.info("{} pool killed", stage);
    }

    /** Graceful stop: batches in flight finish and commit. */
    @Override
    public void close() {
        closing = true;
        slots.forEach(s -> {
            if (s.current != null) {
                s.current.stop();
            }
            if (s.backingOff) {
                s.thread.interrupt();
            }
        });
        join(Duration.ofMinutes(2));
        log.info("{} pool stopped", stage);
    }

    private void join(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (Slot s : slots) {
            Thread t = s.thread;
            if (t == Thread.currentThread()) {
                continue; // kill() from a worker's own batch observer: that worker ends when it returns
            }
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                log.warn("worker {} did not stop within {} s", t.getName(), limit.toSeconds());
            }
        }
    }
}
