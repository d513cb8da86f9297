package dev.ddtstream.schemas.registry;

/**
 * The registry refused a schema as invalid (unparseable, bad default, unknown schema type):
 * error code 42201.
 */
public final class InvalidSchemaException extends SchemaRegistryException {

    public InvalidSchemaException(String message, int httpStatus, int errorCode) {
        super(message, httpStatus, errorCode);
    }

    /** Re-throws {@code cause} with more context (topic, subject) in the message. */
    public InvalidSchemaException(String message, InvalidSchemaException cause) {
        super(message, cause);
    }
}
