package dev.ddtstream.schemas.wire;

/**
 * The first byte of the record is not {@link ConfluentWireFormat#MAGIC_BYTE} (0): the record was
 * not written by a Confluent-compatible Avro serializer (plain JSON, a string, another framing).
 */
public final class UnknownMagicByteException extends WireFormatException {

    public UnknownMagicByteException(String message) {
        super(message, null);
    }
}
