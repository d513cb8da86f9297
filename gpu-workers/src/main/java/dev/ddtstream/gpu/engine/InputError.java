package dev.ddtstream.gpu.engine;

import java.util.Objects;

/**
 * Why one request of a batch was refused; the other requests of the batch are still served.
 *
 * @param reason  machine-readable reason
 * @param message human-readable detail
 */
public record InputError(Reason reason, String message) {

    /** Machine-readable reasons for refusing a request. */
    public enum Reason {
        /** The bytes are not an image ImageIO can decode. */
        UNDECODABLE_IMAGE,
        /** The image has more pixels than allowed, or is empty. */
        IMAGE_TOO_LARGE,
        /** A token id or code lies outside the range its position allows. */
        TOKEN_OUT_OF_RANGE,
        /** A token sequence has the wrong length. */
        WRONG_TOKEN_COUNT,
        /** A parameter (guidance scale, temperature, noise, ...) is invalid. */
        INVALID_PARAMETER
    }

    public InputError {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }
}
