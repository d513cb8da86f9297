package dev.ddtstream.schemas.registry;

/**
 * The subject does not exist in the registry: error code 40401.
 */
public final class SubjectNotFoundException extends SchemaRegistryException {

    public SubjectNotFoundException(String message, int httpStatus, int errorCode) {
        super(message, httpStatus, errorCode);
    }

    /** Re-throws {@code cause} with more context (topic, subject) in the message. */
    public SubjectNotFoundException(String message, SubjectNotFoundException cause) {
        super(message, cause);
    }
}
