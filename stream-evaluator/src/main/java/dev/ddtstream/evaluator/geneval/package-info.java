/**
 * GenEval-style scoring: a {@link dev.ddtstream.evaluator.geneval.Detector} finds objects in an
 * image (the synthetic world's {@link dev.ddtstream.evaluator.geneval.SyntheticWorldDetector} by
 * default), {@link dev.ddtstream.evaluator.geneval.StrictChecks} holds them against a prompt's
 * clauses, and {@link dev.ddtstream.evaluator.geneval.ResultScorer} turns a result with benchmark
 * metadata into an {@code EvaluationResult}.
 */
package dev.ddtstream.evaluator.geneval;
