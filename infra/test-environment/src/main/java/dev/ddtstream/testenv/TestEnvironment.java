package dev.ddtstream.testenv;

import dev.ddtstream.schemas.Provisioning;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one environment every integration test runs on: a Kafka cluster and a Confluent-compatible
 * schema registry, real in all three {@link Backing}s.
 *
 * <p>Configured by environment variables, so that the same tests run anywhere:
 * <ul>
 *   <li>{@code DDT_TEST_BACKING}: {@code embedded} (default), {@code containers} or {@code external};</li>
 *   <li>{@code DDT_BOOTSTRAP_SERVERS}, {@code DDT_SCHEMA_REGISTRY_URL}: the external clusters;</li>
 *   <li>{@code DDT_KAFKA_CLIENT_PROPERTIES}: a properties file passed to every Kafka client untouched
 *       (SASL, TLS), for any backing;</li>
 *   <li>{@code DDT_KAFKA_IMAGE}, {@code DDT_REGISTRY_IMAGE}: the container images.</li>
 * </ul>
 * Tests obtain it through {@link TestEnvironmentExtension}, which starts it once per test JVM.
 */
public final class TestEnvironment implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TestEnvironment.class);

    private final Backing backing;
    private final String bootstrapServers;
    private final String schemaRegistryUrl;
    private final Map<String, Object> clientProperties;
    private final AutoCloseable resources;

    TestEnvironment(Backing backing, String bootstrapServers, String schemaRegistryUrl,
                    Map<String, Object> extraClientProperties, AutoCloseable resources) {
        this.backing = backing;
        this.bootstrapServers = bootstrapServers;
        this.schemaRegistryUrl = schemaRegistryUrl;
        Map<String, Object> props = new HashMap<>(extraClientProperties);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.clientProperties = Map.copyOf(props);
        this.resources = resources;
    }

    /** Starts (or connects to) the environment that the process environment asks for. */
    public static TestEnvironment fromEnvironment() throws Exception {
        return start(Backing.parse(System.getenv("DDT_TEST_BACKING")), System.getenv());
    }

    static TestEnvironment start(Backing backing, Map<String, String> env) throws Exception {
        Map<String, Object> extra = clientPropertiesFile(env.get("DDT_KAFKA_CLIENT_PROPERTIES"));
        TestEnvironment started = switch (backing) {
            case EMBEDDED -> EmbeddedBacking.start(extra);
            case CONTAINERS -> ContainerBacking.start(env, extra);
            case EXTERNAL -> new TestEnvironment(Backing.EXTERNAL,
                    required(env, "DDT_BOOTSTRAP_SERVERS"), required(env, "DDT_SCHEMA_REGISTRY_URL"), extra, () -> { });
        };
        log.info("test environment: {} (Kafka {}, registry {})", backing, started.bootstrapServers, started.schemaRegistryUrl);
        return started;
    }

    public Backing backing() {
        return backing;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The registry's Confluent-compatible base URL. */
    public String schemaRegistryUrl() {
        return schemaRegistryUrl;
    }

    /** {@code bootstrap.servers} plus whatever {@code DDT_KAFKA_CLIENT_PROPERTIES} adds; copy it before changing. */
    public Map<String, Object> clientProperties() {
        return clientProperties;
    }

    /** The client properties plus {@code schema.registry.url}: what the services and the typed readers take. */
    public Map<String, Object> clientPropertiesWithRegistry() {
        Map<String, Object> p = new HashMap<>(clientProperties);
        p.put("schema.registry.url", schemaRegistryUrl);
        return p;
    }

    /** The client properties plus {@code overrides}, as {@link Properties}. */
    public Properties clientProperties(Map<String, ?> overrides) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.putAll(overrides);
        return p;
    }

    /** A name no other test run has used: tests share one cluster, so topics and groups must not collide. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates the topics that do not exist yet, with the cluster's default replication. */
    public void createTopics(Collection<String> names, int partitions) throws InterruptedException {
        Provisioning.createTopics(clientProperties, names, partitions);
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("DDT_TEST_BACKING=external needs " + name);
        }
        return value;
    }

    private static Map<String, Object> clientPropertiesFile(String file) throws IOException {
        Map<String, Object> props = new HashMap<>();
        if (file == null || file.isBlank()) {
            return props;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of(file))) {
            p.load(r);
        }
        p.forEach((k, v) -> props.put(k.toString(), v));
        return props;
    }
}
