package dev.ddtstream.service;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every ddt-stream service reads its configuration: a properties file, then environment
 * overrides {@code DDT_<KEY>} ({@code .} and {@code -} as {@code _}) for the service's own keys,
 * for any {@code DDT_KAFKA_*} (as {@code kafka.*}) and for the registry's keys. Reads are typed and
 * every error names the key and the value at fault. The Kafka client properties ({@code kafka.*},
 * prefix removed) and the registry's ({@code schema.registry.*}, {@code basic.auth.*}) are passed
 * through untouched, so SASL, TLS and registry credentials need no code here.
 */
public final class ServiceSettings {

    private static final String[] REGISTRY_KEYS = {"schema.registry.url", "basic.auth.credentials.source", "basic.auth.user.info"};

    private static final Logger log = LoggerFactory.getLogger(ServiceSettings.class);
    private static final List<String> PASSED_THROUGH = List.of("kafka.", "schema.registry.", "basic.auth.");

    private final Properties p;
    private final List<String> unknown;

    private ServiceSettings(Properties p, List<String> unknown) {
        this.p = p;
        this.unknown = unknown;
    }

    /** The file's settings (none for a null path) with the process environment's overrides of {@code keys}. */
    public static ServiceSettings load(Path file, Collection<String> keys) {
        return of(read(file), System.getenv(), keys);
    }

    /** {@code file} with {@code env}'s overrides of {@code keys}, of every Kafka property and of the registry's. */
    public static ServiceSettings of(Properties file, Map<String, String> env, Collection<String> keys) {
        Properties p = new Properties();
        p.putAll(file);
        env.forEach((k, v) -> {
            if (k.startsWith("DDT_KAFKA_")) {
                p.setProperty("kafka." + k.substring(10).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        for (String key : keys) {
            override(p, env, key);
        }
        for (String key : REGISTRY_KEYS) {
            override(p, env, key);
        }
        List<String> unknown = p.stringPropertyNames().stream()
                .filter(k -> !keys.contains(k) && PASSED_THROUGH.stream().noneMatch(k::startsWith)).sorted().toList();
        if (!unknown.isEmpty()) {
            log.warn("configuration keys nobody reads (misspelt?), ignored: {}", unknown);
        }
        return new ServiceSettings(p, unknown);
    }

    /** The keys given that the service does not know and that are not passed through to the clients. */
    public List<String> unknownKeys() {
        return unknown;
    }

    private static void override(Properties p, Map<String, String> env, String key) {
        String v = env.get(envName(key));
        if (v != null) {
            p.setProperty(key, v);
        }
    }

    /** A properties file (empty for a null path). */
    public static Properties read(Path file) {
        Properties p = new Properties();
        if (file != null) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read configuration " + file, e);
            }
        }
        return p;
    }

    /** {@code DDT_} + the key in upper case with {@code .} and {@code -} as {@code _}. */
    public static String envName(String key) {
        return "DDT_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The trimmed value, or {@code fallback} when the key is absent or blank. */
    public String text(String key, String fallback) {
        String v = p.getProperty(key);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    public Optional<Path> path(String key) {
        return Optional.ofNullable(text(key, null)).map(Path::of);
    }

    public int integer(String key, int fallback) {
        return parse(key, Integer.toString(fallback), Integer::parseInt);
    }

    public long number(String key, long fallback) {
        return parse(key, Long.toString(fallback), Long::parseLong);
    }

    public float decimal(String key, float fallback) {
        return parse(key, Float.toString(fallback), Float::parseFloat);
    }

    public boolean flag(String key, boolean fallback) {
        return parse(key, Boolean.toString(fallback), v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        });
    }

    /** A listening port: -1 = off, 0 = any free port, else 1..65535. */
    public int port(String key, int fallback) {
        int port = integer(key, fallback);
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("configuration " + key + " = " + port + ": -1 (off), 0 (any free port) or a port");
        }
        return port;
    }

    /** The value parsed by {@code parse}; any exception it throws is reported with the key and the value. */
    public <T> T parse(String key, String fallback, Function<String, T> parse) {
        String v = text(key, fallback);
        try {
            return parse.apply(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("configuration " + key + " = '" + v + "': " + e.getMessage(), e);
        }
    }

    /** Builds a value from several keys under {@code prefix}; a refusal names the group. */
    public <T> T group(String prefix, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("configuration ")) {
                throw e; // already names its key
            }
            throw new IllegalArgumentException("configuration " + prefix + ".*: " + e.getMessage(), e);
        }
    }

    /**
     * The Kafka and registry client properties, passed through untouched; requires
     * {@code kafka.bootstrap.servers} and {@code schema.registry.url}.
     */
    public Map<String, Object> clientProperties() {
        Map<String, Object> client = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("kafka.")) {
                client.put(key.substring(6), p.getProperty(key));
            } else if (key.startsWith("schema.registry.") || key.startsWith("basic.auth.")) {
                client.put(key, p.getProperty(key));
            }
        }
        if (!client.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException("kafka.bootstrap.servers is required (or DDT_KAFKA_BOOTSTRAP_SERVERS)");
        }
        if (!client.containsKey("schema.registry.url")) {
            throw new IllegalArgumentException("schema.registry.url is required (or DDT_SCHEMA_REGISTRY_URL)");
        }
        return client;
    }
}
