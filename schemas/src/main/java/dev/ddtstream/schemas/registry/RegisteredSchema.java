package dev.ddtstream.schemas.registry;

import org.apache.avro.Schema;

/**
 * One version of a subject, as answered by {@code GET /subjects/{subject}/versions/{version}}.
 *
 * @param subject the subject name
 * @param id      the registry-wide schema id, the one written in the wire frame
 * @param version the version of the schema within the subject (1, 2, ...)
 * @param schema  the parsed Avro schema
 */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {
}
