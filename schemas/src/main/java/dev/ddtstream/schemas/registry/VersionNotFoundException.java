package dev.ddtstream.schemas.registry;

/**
 * The subject exists but has no such version: error code 40402.
 */
public final class VersionNotFoundException extends SchemaRegistryException {

    public VersionNotFoundException(String message, int httpStatus, int errorCode) {
        super(message, httpStatus, errorCode);
    }

    /** Re-throws {@code cause} with more context (topic, subject) in the message. */
    public VersionNotFoundException(String message, VersionNotFoundException cause) {
        super(message, cause);
    }
}
