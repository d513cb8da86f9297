package dev.ddtstream.bundle;

import java.time.Duration;
import java.util.Objects;

/**
 * When a stage closes a batch: at {@code maxBatchSize} jobs, or {@code maxWait} after the first job
 * of the batch arrived, whichever comes first. One policy per stage, since the stages' costs differ.
 *
 * @param maxBatchSize the most jobs one engine call serves; at least 1
 * @param maxWait      how long the first job of a batch may wait for company; zero serves at once
 */
public record BatchPolicy(int maxBatchSize, Duration maxWait) {

    public BatchPolicy {
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be at least 1, not " + maxBatchSize);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative, not " + maxWait);
        }
    }
}
