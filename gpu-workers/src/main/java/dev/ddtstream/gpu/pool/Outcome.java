package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.gpu.engine.InputError;
import dev.ddtstream.schemas.Topic;
import java.util.Objects;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * What a stage made of one job: a result for the stage's result topic, or a refusal that
 * becomes an error result and a dead letter.
 */
public sealed interface Outcome permits Outcome.Produced, Outcome.Refused {

    /**
     * A served job.
     *
     * @param topic       where the result goes
     * @param result      builds the result once the batch's timing is known
     * @param visualCodes codes the job emitted or consumed, for codebook-usage metrics
     */
    record Produced(Topic<?> topic, Function<StageTiming, SpecificRecord> result, int[] visualCodes) implements Outcome {
        public Produced {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(result, "result");
            visualCodes = visualCodes == null ? new int[0] : visualCodes;
        }
    }

    /** A job the stage could not serve, with the machine-readable reason. */
    record Refused(ErrorReason reason, String message) implements Outcome {
        public Refused {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }

    /** The error-result reason for an engine's refusal of one input. */
    static Refused refused(InputError error) {
        ErrorReason reason = switch (error.reason()) {
            case UNDECODABLE_IMAGE -> ErrorReason.IMAGE_UNDECODABLE;
            case IMAGE_TOO_LARGE -> ErrorReason.IMAGE_TOO_LARGE;
            case TOKEN_OUT_OF_RANGE, WRONG_TOKEN_COUNT -> ErrorReason.BAD_TOKENS;
            case INVALID_PARAMETER -> ErrorReason.SAMPLING_OUT_OF_RANGE;
        };
        return new Refused(reason, error.message());
    }
}
