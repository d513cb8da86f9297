package dev.ddtstream.testenv;

import java.util.Locale;

/** What the test environment runs on. Chosen with {@code DDT_TEST_BACKING}; the tests are the same for all three. */
public enum Backing {
    /** A KRaft broker in the test JVM and the schema registry as a child process (the default; no Docker). */
    EMBEDDED,
    /** Kafka and a Confluent-compatible registry in containers, when a Docker engine is available. */
    CONTAINERS,
    /** Clusters that already run elsewhere: {@code DDT_BOOTSTRAP_SERVERS} and {@code DDT_SCHEMA_REGISTRY_URL}. */
    EXTERNAL;

    static Backing parse(String value) {
        if (value == null || value.isBlank()) {
            return EMBEDDED;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("DDT_TEST_BACKING must be embedded, containers or external, not '" + value + "'");
        }
    }
}
