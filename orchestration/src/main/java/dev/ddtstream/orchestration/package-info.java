/**
 * What the Kafka Streams orchestrators share. An {@link dev.ddtstream.orchestration.Orchestrator}
 * runs one {@link dev.ddtstream.orchestration.Flow} (the generator's GENERATE/EDIT, the captioner's
 * CAPTION): it admits requests ({@link dev.ddtstream.orchestration.RequestValidator}), keeps each
 * request's {@code RequestState} in a store, turns every stage result into the next job or the
 * terminal result, and answers status queries over HTTP
 * ({@link dev.ddtstream.orchestration.StatusServer}). GPU work never runs here.
 */
package dev.ddtstream.orchestration;
