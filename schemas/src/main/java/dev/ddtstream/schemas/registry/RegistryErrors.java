package dev.ddtstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Turns a registry error answer ({@code {"error_code": 40401, "message": "..."}}) into the typed
 * exception of its error code. Codes are Confluent's, which Apicurio (ccompat), Karapace and
 * Redpanda reproduce.
 */
final class RegistryErrors {

    static final int SUBJECT_NOT_FOUND = 40401;
    static final int VERSION_NOT_FOUND = 40402;
    static final int SCHEMA_NOT_FOUND = 40403;
    /** GET /config/{subject} for a subject without its own level (Confluent 7+). */
    static final int SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED = 40408;
    static final int INCOMPATIBLE_SCHEMA = 409;
    static final int INVALID_SCHEMA = 42201;

    private static final int MAX_QUOTED_BODY = 200;

    private RegistryErrors() {
    }

    /**
     * @param operation what the caller tried, e.g. "register schema under subject 'orders-value'"
     * @param request   method and URL, e.g. "POST http://registry:8081/subjects/..."
     */
    static SchemaRegistryException fromResponse(ObjectMapper json, String operation, String request,
                                                int status, String body) {
        int errorCode = status;
        String registryMessage = null;
        try {
            JsonNode node = json.readTree(body);
            if (node != null && node.hasNonNull("error_code")) {
                errorCode = node.get("error_code").asInt(status);
                registryMessage = node.path("message").asText(null);
            }
        } catch (Exception notJson) {
            // A proxy or a wrong base URL answers with HTML or plain text; quote it below.
        }
        String message = operation + " failed: " + describe(registryMessage, status, body)
                + " (HTTP " + status + ", error_code " + errorCode + ", " + request + ")";

        if (status == INCOMPATIBLE_SCHEMA || errorCode == INCOMPATIBLE_SCHEMA) {
            return new IncompatibleSchemaException(message, status, errorCode);
        }
        return switch (errorCode) {
            case SUBJECT_NOT_FOUND -> new SubjectNotFoundException(message, status, errorCode);
            case VERSION_NOT_FOUND -> new VersionNotFoundException(message, status, errorCode);
            case SCHEMA_NOT_FOUND -> new SchemaNotFoundException(message, status, errorCode);
            case INVALID_SCHEMA -> new InvalidSchemaException(message, status, errorCode);
            default -> new SchemaRegistryException(message, status, errorCode);
        };
    }

    private static String describe(String registryMessage, int status, String body) {
        if (registryMessage != null) {
            return registryMessage;
        }
        String quoted = body == null || body.isBlank() ? "<empty body>"
                : body.length() > MAX_QUOTED_BODY ? body.substring(0, MAX_QUOTED_BODY) + "..." : body;
        String hint = status == 404 ? "no registry error body, is the base URL right? " : "";
        return hint + quoted.strip();
    }
}
