package dev.ddtstream.schemas.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * How every ddt-stream service reads its configuration: a properties file, then environment
 * overrides {@code DDT_<KEY>} ({@code .} and {@code -} as {@code _}) for the service's own keys
 * and for any {@code DDT_KAFKA_*} (as {@code kafka.*}). The Kafka client properties ({@code kafka.*},
 * prefix removed) and the registry's ({@code schema.registry.*}, {@code basic.auth.*}) are passed
 * through untouched, so SASL, TLS and registry credentials need no code here.
 */
public final class ServiceSettings {

    private ServiceSettings() {
    }

    /** The file's properties (none for a null path). */
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

    /** {@code file} with the environment's overrides of {@code keys} and of every Kafka property. */
    public static Properties withEnvironment(Properties file, Map<String, String> env, Collection<String> keys) {
        Properties p = new Properties();
        p.putAll(file);
        env.forEach((k, v) -> {
            if (k.startsWith("DDT_KAFKA_")) {
                p.setProperty("kafka." + k.substring(10).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        for (String key : keys) {
            String v = env.get(envName(key));
            if (v != null) {
                p.setProperty(key, v);
            }
        }
        for (String key : new String[] {"schema.registry.url", "basic.auth.credentials.source", "basic.auth.user.info"}) {
            String v = env.get(envName(key));
            if (v != null) {
                p.setProperty(key, v);
            }
        }
        return p;
    }

    /**
     * The Kafka and registry client properties, passed through untouched; requires
     * {@code kafka.bootstrap.servers} and {@code schema.registry.url}.
     */
    public static Map<String, Object> clientProperties(Properties p) {
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

    /** {@code DDT_} + the key in upper case with {@code .} and {@code -} as {@code _}. */
    public static String envName(String key) {
        return "DDT_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
