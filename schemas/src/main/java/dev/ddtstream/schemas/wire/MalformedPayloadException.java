package dev.ddtstream.schemas.wire;

/**
 * The frame header is valid but the Avro body cannot be decoded with the writer schema it names
 * (corrupt bytes, bytes left over, or a reader schema the writer schema cannot be resolved to).
 */
public final class MalformedPayloadException extends WireFormatException {

    public MalformedPayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
