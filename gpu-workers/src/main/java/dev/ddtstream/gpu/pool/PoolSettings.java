package dev.ddtstream.gpu.pool;

import dev.ddtstream.bundle.BatchPolicy;
import dev.ddtstream.events.Stage;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How one stage's pool runs.
 *
 * @param groupId  consumer group of the pool; every member of the group shares the stage's partitions
 * @param instance       names this process's workers: worker {@code i} is {@code <instance>-<stage>-<i>}, and
 *                       that is also its transactional id and its static group membership, so it must be
 *                       stable across restarts and unique across processes (a pod name, for example)
 * @param workers        worker threads in this process, each with its own consumer and producer
 * @param batch          the dynamic batching policy
 * @param sessionTimeout how long the group waits for a silent member before moving its partitions: the
 *                       stall a crashed worker causes (a restart within it takes them back at once)
 * @param restarts       how a worker that fails is restarted, and when it is given up
 * @param scheduler      how jobs share the engine: batch by batch, or joining and leaving a running loop
 * @param commitInterval continuous scheduler: how long a finished result may wait for others to share its
 *                       transaction (zero: one transaction for each step that finishes any); a transaction
 *                       costs a round trip to the coordinator that no step computes during
 */
public record PoolSettings(String groupId, String instance, int workers, BatchPolicy batch, Duration sessionTimeout,
                           RestartPolicy restarts, Scheduler scheduler, Duration commitInterval) {

    /** How a worker shares its engine among jobs. */
    public enum Scheduler {
        /**
         * Dynamic batching: a batch closes at {@code batch.maxBatchSize} jobs or {@code batch.maxWait},
         * is served to its end, and is committed as one transaction.
         */
        STATIC,
        /**
         * Iteration-level batching ({@link SteppedStage} only): up to {@code batch.maxBatchSize} jobs
         * run at once, a new job joins at the next step, and each job's result is published the step
         * it finishes ({@link ContinuousWorker}).
         */
        CONTINUOUS
    }

    /**
     * A failed worker is restarted after {@code firstBackoff}, doubling up to {@code maxBackoff}; after
     * {@code maxRestarts} failures with no batch committed in between it is given up.
     */
    public record RestartPolicy(int maxRestarts, Duration firstBackoff, Duration maxBackoff) {

        public static final RestartPolicy DEFAULT = new RestartPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(30));

        public RestartPolicy {
            if (maxRestarts < 0 || firstBackoff.isNegative() || maxBackoff.compareTo(firstBackoff) < 0) {
                throw new IllegalArgumentException("restart policy out of range: " + maxRestarts + " restarts, back-off "
                        + firstBackoff.toMillis() + " to " + maxBackoff.toMillis() + " ms");
            }
        }

        /** The wait before restart number {@code failures} (1-based). */
        Duration backoff(int failures) {
            long ms = firstBackoff.toMillis() << Math.min(20, failures - 1);
            return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
        }
    }

    /**
     * What a pool waits for company unless configured otherwise: against 0, 5% more requests/s after
     * the first answer in {@code ddt bench pipeline} (README), far below the orchestrators' 100 ms commits.
     */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(50);

    /** Beyond this a result's wait for company would be seen as latency, not saved overhead. */
    public static final Duration MAX_COMMIT_INTERVAL = Duration.ofSeconds(1);

    /** Kafka's smallest session timeout by default ({@code group.min.session.timeout.ms}). */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(6);

    public PoolSettings {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(restarts, "restarts");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(commitInterval, "commitInterval");
        if (commitInterval.isNegative() || commitInterval.compareTo(MAX_COMMIT_INTERVAL) > 0) {
            throw new IllegalArgumentException("commit interval must be in [0, " + MAX_COMMIT_INTERVAL.toMillis() + "] ms, got "
                    + commitInterval.toMillis() + " ms");
        }
        if (sessionTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("session timeout must be at least 1 s, got " + sessionTimeout.toMillis() + " ms");
        }
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("groupId must not be blank");
        }
        if (instance == null || !instance.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("instance must be letters, digits, '.', '_' or '-', got '" + instance + "'");
        }
        if (workers < 1 || workers > 64) {
            throw new IllegalArgumentException("workers must be in [1, 64], got " + workers);
        }
    }

    /** The consumer group a stage's pools share unless configured otherwise: {@code ddt-<stage>-pool}. */
    public static String defaultGroup(Stage stage) {
        return "ddt-" + name(stage) + "-pool";
    }

    String workerId(Stage stage, int index) {
        return instance + "-" + name(stage) + "-" + index;
    }

    static String name(Stage stage) {
        return stage.name().toLowerCase(Locale.ROOT);
    }
}
