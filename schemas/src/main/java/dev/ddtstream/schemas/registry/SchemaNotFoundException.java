package dev.ddtstream.schemas.registry;

/**
 * The registry does not know the schema: error code 40403, answered for an unknown
 * schema id ({@code GET /schemas/ids/{id}}) and for a schema that is not registered under the
 * subject ({@code POST /subjects/{subject}}).
 */
public final class SchemaNotFoundException extends SchemaRegistryException {

    public SchemaNotFoundException(String message, int httpStatus, int errorCode) {
        super(message, httpStatus, errorCode);
    }

    /** Re-throws {@code cause} with more context (topic, subject) in the message. */
    public SchemaNotFoundException(String message, SchemaNotFoundException cause) {
        super(message, cause);
    }
}
