package dev.ddtstream.schemas.registry;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Builds a {@link SchemaRegistryClient} from Kafka-style configuration, reading Confluent's
 * property names so that existing client configurations carry over unchanged.
 *
 * <table>
 *   <caption>Properties read</caption>
 *   <tr><td>{@value #URL}</td><td>required; one URL, several comma-separated, or a list</td></tr>
 *   <tr><td>{@value #BASIC_AUTH_CREDENTIALS_SOURCE}</td><td>{@code USER_INFO} or {@code URL}
 *       (user:password@ in the URL); unset means no authentication</td></tr>
 *   <tr><td>{@value #BASIC_AUTH_USER_INFO}</td><td>{@code user:password}; also read with the
 *       {@code schema.registry.} prefix</td></tr>
 *   <tr><td>{@value #REQUEST_HEADER_PREFIX}{@code <name>}</td><td>extra header on every request</td></tr>
 *   <tr><td>{@value #CONNECT_TIMEOUT_MS}, {@value #READ_TIMEOUT_MS}</td><td>milliseconds</td></tr>
 *   <tr><td>{@value #MAX_SCHEMAS}</td><td>bound of each client cache</td></tr>
 * </table>
 */
public final class SchemaRegistryConfig {

    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String REQUEST_HEADER_PREFIX = "request.header.";
    public static final String CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    public static final String READ_TIMEOUT_MS = "http.read.timeout.ms";
    public static final String MAX_SCHEMAS = "max.schemas.per.subject";

    private static final String PREFIX = "schema.registry.";

    private SchemaRegistryConfig() {
    }

    /**
     * A client for the registry these properties describe.
     *
     * @throws ConfigException if {@value #URL} is missing or a value is invalid
     */
    public static SchemaRegistryClient clientFrom(Map<String, ?> configs) {
        Object urls = configs.get(URL);
        if (urls == null || urls.toString().isBlank()) {
            throw new ConfigException("Missing required configuration \"" + URL + "\"");
        }
        String urlList = urls instanceof Collection<?> list
                ? list.stream().map(Object::toString).collect(Collectors.joining(","))
                : urls.toString();
        try {
            SchemaRegistryClient.Builder builder = SchemaRegistryClient.builder(urlList);
            configureAuth(builder, configs);
            builder.headers(headers(configs));
            Long connectMs = longValue(configs, CONNECT_TIMEOUT_MS);
            if (connectMs != null) {
                builder.connectTimeout(Duration.ofMillis(connectMs));
            }
            Long readMs = longValue(configs, READ_TIMEOUT_MS);
            if (readMs != null) {
                builder.requestTimeout(Duration.ofMillis(readMs));
            }
            Long maxSchemas = longValue(configs, MAX_SCHEMAS);
            if (maxSchemas != null) {
                builder.cacheCapacity(Math.toIntExact(maxSchemas));
            }
            return builder.build();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ConfigException("Invalid Schema Registry configuration: " + e.getMessage());
        }
    }

    private static void configureAuth(SchemaRegistryClient.Builder builder, Map<String, ?> configs) {
        Object source = configs.get(BASIC_AUTH_CREDENTIALS_SOURCE);
        String userInfo = string(configs, BASIC_AUTH_USER_INFO);
        if (source == null || source.toString().isBlank()) {
            // Confluent ignores user info without a source; do the same rather than guess.
            return;
        }
        switch (source.toString().strip().toUpperCase()) {
            case "USER_INFO" -> {
                if (userInfo == null || userInfo.isBlank()) {
                    throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO needs "
                            + BASIC_AUTH_USER_INFO + " (user:password)");
                }
                builder.basicAuth(userInfo);
            }
            case "URL" -> builder.basicAuthFromUrl();
            default -> throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, source,
                    "supported sources are USER_INFO and URL");
        }
    }

    private static Map<String, String> headers(Map<String, ?> configs) {
        Map<String, String> headers = new LinkedHashMap<>();
        configs.forEach((key, value) -> {
            if (key.startsWith(REQUEST_HEADER_PREFIX) && value != null) {
                headers.put(key.substring(REQUEST_HEADER_PREFIX.length()), value.toString());
            }
        });
        return headers;
    }

    private static String string(Map<String, ?> configs, String key) {
        Object value = configs.get(key);
        if (value == null) {
            value = configs.get(PREFIX + key);
        }
        if (value instanceof Password password) {
            return password.value();
        }
        return value == null ? null : value.toString();
    }

    private static Long longValue(Map<String, ?> configs, String key) {
        String value = string(configs, key);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "not a number");
        }
    }
}
