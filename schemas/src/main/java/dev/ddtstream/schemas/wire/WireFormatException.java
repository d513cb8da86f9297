package dev.ddtstream.schemas.wire;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's bytes are not a valid Confluent Avro frame. Base of the wire-format errors; the
 * subclasses say what is wrong.
 *
 * <p>A {@link SerializationException}, because that is what Kafka expects from a deserializer:
 * the consumer wraps it in a {@link org.apache.kafka.common.errors.RecordDeserializationException}
 * naming partition and offset (so the application can skip the poison pill with {@code seek}),
 * and Kafka Streams passes it to the {@code DeserializationExceptionHandler}. Unlike
 * {@link dev.ddtstream.schemas.registry.RegistryUnreachableException}, these failures are
 * permanent for the record: retrying will not help.
 */
public sealed class WireFormatException extends SerializationException
        permits UnknownMagicByteException, TruncatedPayloadException, MalformedPayloadException {

    WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
