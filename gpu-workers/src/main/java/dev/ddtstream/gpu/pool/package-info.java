/**
 * Exactly-once worker pools: each {@link dev.ddtstream.gpu.pool.WorkerPool} consumes one stage's
 * job topic, forms batches with a {@link dev.ddtstream.gpu.batching.DynamicBatcher}, runs them
 * through the stage's engine ({@link dev.ddtstream.gpu.pool.BatchedStage}) and produces results,
 * error results, dead letters and one stage event per batch in one Kafka transaction that also
 * commits the consumed offsets.
 */
package dev.ddtstream.gpu.pool;
