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
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one stage in this process. Each worker is a member of the pool's consumer
 * group with its own transactional producer; more workers here or more processes elsewhere
 * (same group, different {@link PoolSettings#instance()}) share the job topic's partitions.
 *
 * <p>{@link #close()} stops gracefully: each worker finishes and commits the batch in flight,
 * and jobs it had queued but not started stay uncommitted for the group to serve again.
 *
 * @param <J> the stage's job type
 */
public final class WorkerPool<J extends SpecificRecord> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    private final Stage stage;
    private final List<StageWorker<J>> workers;
    private final List<Thread> threads;

    private WorkerPool(Stage stage, List<StageWorker<J>> workers, List<Thread> threads) {
        this.stage = stage;
        this.workers = workers;
        this.threads = threads;
    }

    /**
     * Starts {@code settings.workers()} workers for {@code stage}.
     *
     * @param clientProperties Kafka client properties (bootstrap servers, security, ...) and the
     *                         Schema Registry properties ({@code schema.registry.url}, ...), passed
     *                         through as given; the pool sets only what exactly-once needs
     * @param meters           where the pool's meters go
     * @param observer         sees each batch before its commit (fault-injection tests)
     */
    public static <J extends SpecificRecord> WorkerPool<J> start(BatchedStage<J> stage, PoolSettings settings,
                                                                 Map<String, Object> clientProperties,
                                                                 MeterRegistry meters, BatchObserver observer) {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(settings, "settings");
        SchemaRegistryClient registry = SchemaRegistryConfig.clientFrom(clientProperties);
        PoolMetrics metrics = new PoolMetrics(meters, stage.stage());
        List<StageWorker<J>> workers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < settings.workers(); i++) {
            String id = settings.workerId(stage.stage(), i);
            StageWorker<J> w = new StageWorker<>(stage, id, settings, clientProperties, registry, metrics, observer);
            workers.add(w);
            Thread t = new Thread(w, id);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        log.info("{} pool started: {} worker(s) in group {}, batches up to {} jobs or {} ms",
                stage.stage(), settings.workers(), settings.groupId(), settings.batch().maxBatchSize(),
                settings.batch().maxWait().toMillis());
        return new WorkerPool<>(stage.stage(), workers, threads);
    }

    public Stage stage() {
        return stage;
    }

    /** Whether every worker is still running. */
    public boolean healthy() {
        return threads.stream().allMatch(Thread::isAlive);
    }

    /** The first failure that stopped a worker, if any. */
    public Throwable failure() {
        return workers.stream().map(StageWorker::failure).filter(Objects::nonNull).findFirst().orElse(null);
    }

    /**
     * Crashes the pool on purpose, for fault-injection tests: every worker's producer closes at
     * once without committing or aborting, and its consumer closes without committing.
     */
    public void kill() {
        workers.forEach(StageWorker::kill);
        join(Duration.ofSeconds(30));
        log.info("{} pool killed", stage);
    }

    /** Graceful stop: batches in flight finish and commit. */
    @Override
    public void close() {
        workers.forEach(StageWorker::stop);
        join(Duration.ofMinutes(2));
        log.info("{} pool stopped", stage);
    }

    private void join(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (Thread t : threads) {
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
