package dev.ddtstream.client.api;

import dev.ddtstream.events.ErrorResult;

/** The request's terminal result was an error: {@link #error()} says which stage refused it and why. */
public final class RequestFailedException extends RuntimeException {

    private final transient ErrorResult error;

    public RequestFailedException(ErrorResult error) {
        super(error.getRequestId() + " failed at " + error.getStage() + ": " + error.getReason() + " (" + error.getMessage() + ")");
        this.error = error;
    }

    public ErrorResult error() {
        return error;
    }
}
