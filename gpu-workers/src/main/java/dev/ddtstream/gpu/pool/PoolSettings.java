package dev.ddtstream.gpu.pool;

import dev.ddtstream.bundle.BatchPolicy;
import dev.ddtstream.events.Stage;
import java.util.Locale;
import java.util.Objects;

/**
 * How one stage's pool runs.
 *
 * @param groupId  consumer group of the pool; every member of the group shares the stage's partitions
 * @param instance names this process's workers: worker {@code i} is {@code <instance>-<stage>-<i>}, and
 *                 that is also its transactional id, so it must be stable across restarts and unique
 *                 across processes (a pod name, for example)
 * @param workers  worker threads in this process, each with its own consumer and producer
 * @param batch    the dynamic batching policy
 */
public record PoolSettings(String groupId, String instance, int workers, BatchPolicy batch) {

    public PoolSettings {
        Objects.requireNonNull(batch, "batch");
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
