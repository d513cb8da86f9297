package dev.ddtstream.gpu.engine;

/** Thrown while validating one request; engines turn it into an {@link ItemResult.Failed} for that request. */
public final class InvalidInputException extends Exception {

    private final InputError.Reason reason;

    public InvalidInputException(InputError.Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public InputError toError() {
        return new InputError(reason, getMessage());
    }
}
