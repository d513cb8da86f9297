package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.batching.BatchPolicy;
import java.time.Duration;
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

    /** Defaults for a stage: group {@code ddt-<stage>-pool}, instance {@code local}, one worker, the stage's batch policy. */
    public static PoolSettings defaults(Stage stage) {
        return new PoolSettings("ddt-" + name(stage) + "-pool", "local", 1, defaultBatch(stage));
    }

    /** Batching defaults measured on the tiny bundle: LLaMA and MMDiT gain most from batches. */
    public static BatchPolicy defaultBatch(Stage stage) {
        return switch (stage) {
            case ENCODER -> new BatchPolicy(16, Duration.ofMillis(10));
            case LLAMA -> new BatchPolicy(16, Duration.ofMillis(20));
            case MMDIT -> new BatchPolicy(16, Duration.ofMillis(20));
            case ORCHESTRATION -> throw new IllegalArgumentException("ORCHESTRATION is not a GPU stage");
        };
    }

    String workerId(Stage stage, int index) {
        return instance + "-" + name(stage) + "-" + index;
    }

    static String name(Stage stage) {
        return stage.name().toLowerCase(Locale.ROOT);
    }
}
