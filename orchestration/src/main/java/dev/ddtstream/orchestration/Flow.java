package dev.ddtstream.orchestration;

import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.RequestState;

/**
 * The steps of one orchestrator: for each event of a request it owns, the one record to publish
 * next (a job for a GPU stage, or the terminal result). The {@link Orchestrator} does the rest:
 * admission, state, deadlines, duplicates, failures. A flow may note in the state what a later
 * step needs (the visual codes, for instance).
 */
public interface Flow {

    /** Short name: the Kafka Streams application id is {@code ddt-<name>} by default. */
    String name();

    boolean handles(RequestKind kind);

    /** Whether this flow answers request records nobody can read; exactly one deployed flow must. */
    boolean answersUnreadable();

    /** Whether requests of this flow reach the MMDiT stage (only then are its results read). */
    boolean rendersImages();

    /** The first step of an admitted request. */
    Step admit(GenerationRequest request, RequestState state);

    default Step encoded(RequestState state, EncoderResult result) {
        throw new IllegalStateException(name() + " has no step after the encoder");
    }

    default Step decoded(RequestState state, LlamaResult result) {
        throw new IllegalStateException(name() + " has no step after the LLaMA stage");
    }

    default Step rendered(RequestState state, MmditResult result) {
        throw new IllegalStateException(name() + " has no step after the MMDiT stage");
    }
}
