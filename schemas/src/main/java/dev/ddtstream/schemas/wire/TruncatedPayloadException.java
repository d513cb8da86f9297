package dev.ddtstream.schemas.wire;

/**
 * The record ends too early: shorter than the 5-byte header, or the Avro body stops before the
 * writer schema says it should.
 */
public final class TruncatedPayloadException extends WireFormatException {

    public TruncatedPayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
