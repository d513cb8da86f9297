package dev.ddtstream.schemas.registry;

/**
 * No registry URL answered: connection refused, timeout, unknown host. The message names every
 * URL tried. Always {@linkplain #isRetriable() retriable}; {@link #httpStatus()} is
 * {@link #NO_RESPONSE}.
 */
public final class RegistryUnreachableException extends SchemaRegistryException {

    public RegistryUnreachableException(String message, Throwable cause) {
        super(message, NO_RESPONSE, NO_RESPONSE, cause);
    }
}
