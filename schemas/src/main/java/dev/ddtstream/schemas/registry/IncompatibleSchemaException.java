package dev.ddtstream.schemas.registry;

/**
 * The registry refused a schema because it breaks the compatibility level of the subject:
 * HTTP 409 (error code 409).
 */
public final class IncompatibleSchemaException extends SchemaRegistryException {

    public IncompatibleSchemaException(String message, int httpStatus, int errorCode) {
        super(message, httpStatus, errorCode);
    }

    /** Re-throws {@code cause} with more context (topic, subject) in the message. */
    public IncompatibleSchemaException(String message, IncompatibleSchemaException cause) {
        super(message, cause);
    }
}
