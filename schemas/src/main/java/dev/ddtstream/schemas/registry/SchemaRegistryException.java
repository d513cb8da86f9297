package dev.ddtstream.schemas.registry;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A Schema Registry call failed. Base of the registry's typed errors; thrown as is for any
 * failure without a dedicated subclass (401/403, 42202 invalid version, 5xx, ...).
 *
 * <p>Why a {@link SerializationException}: the registry is consulted from inside Kafka
 * serializers and deserializers, and Kafka's own failure handling is built around that type.
 * A consumer wraps whatever a deserializer throws in a
 * {@link org.apache.kafka.common.errors.RecordDeserializationException} (itself a
 * {@code SerializationException}) naming partition and offset, with this exception as its
 * cause, so the application can inspect the cause, seek past the record or stop; a producer
 * rethrows it from {@code send()}; Kafka Streams hands it to the configured deserialization or
 * production exception handler. Callers that already catch {@code SerializationException}
 * therefore keep working, and callers that care can catch the precise subclass.
 *
 * <p>{@link #isRetriable()} separates outages (unreachable registry, 5xx) from permanent
 * answers, so that a "log and continue" policy need not drop records during an outage.
 */
public sealed class SchemaRegistryException extends SerializationException
        permits SchemaNotFoundException, SubjectNotFoundException, VersionNotFoundException,
        IncompatibleSchemaException, InvalidSchemaException, RegistryUnreachableException {

    /** {@link #httpStatus()} and {@link #errorCode()} when no HTTP answer was received. */
    public static final int NO_RESPONSE = 0;

    private final int httpStatus;
    private final int errorCode;

    /**
     * @param message   what was attempted and what the registry said
     * @param httpStatus the HTTP status, or {@link #NO_RESPONSE}
     * @param errorCode the registry's {@code error_code} (e.g. 40403); see {@link #errorCode()}
     * @param cause     the underlying failure, may be null
     */
    public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        this(message, httpStatus, errorCode, null);
    }

    /** Re-throws {@code cause} with more context in the message, keeping its status and code. */
    protected SchemaRegistryException(String message, SchemaRegistryException cause) {
        this(message, cause.httpStatus, cause.errorCode, cause);
    }

    /** HTTP status of the registry's answer, or {@link #NO_RESPONSE}. */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * The registry's {@code error_code}, e.g. 40401; the HTTP status when the answer carried no
     * error body (a proxy, a wrong base URL); 0 when there was no answer, or when the answer was
     * a success this client could not use (a non-Avro schema, for instance).
     */
    public int errorCode() {
        return errorCode;
    }

    /** True when the same call may succeed later: no answer at all, or a 5xx / 429 answer. */
    public boolean isRetriable() {
        return httpStatus == NO_RESPONSE || httpStatus >= 500 || httpStatus == 429;
    }
}
