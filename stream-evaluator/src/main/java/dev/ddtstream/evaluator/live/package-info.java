/**
 * The live evaluator job: {@link dev.ddtstream.evaluator.live.EvaluatorJob} reads the result,
 * error, stage-event and dead-letter topics, scores each result that carries benchmark metadata
 * into {@code ddt.evaluations}, and aggregates tumbling and sliding event-time windows into
 * {@code ddt.metrics}, exactly once (checkpoints and transactional Kafka sinks).
 */
package dev.ddtstream.evaluator.live;
