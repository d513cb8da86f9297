package dev.ddtstream.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Option;

/**
 * Where the request commands find the stack, first match wins: {@code --bootstrap}/{@code --registry};
 * {@code --client-config FILE} (Kafka client and registry properties, passed through untouched);
 * {@code DDT_KAFKA_BOOTSTRAP_SERVERS}/{@code DDT_SCHEMA_REGISTRY_URL} (and any {@code DDT_KAFKA_*});
 * the file a running {@code ddt serve} or {@code ddt cluster up} writes ({@value #SERVE_FILE}).
 */
final class Connection {

    static final String SERVE_FILE = "target/ddt-serve.properties";

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--registry", description = "Schema registry URL.")
    String registry;

    @Option(names = "--client-config", description = "Properties file of Kafka client and registry settings (SASL, TLS, basic auth).")
    Path clientConfig;

    Map<String, Object> properties() {
        Map<String, Object> p = given();
        if (!p.containsKey("bootstrap.servers") || !p.containsKey("schema.registry.url")) {
            throw new IllegalArgumentException("no stack to talk to: start one with `./ddt serve` or `./ddt cluster up`, or pass"
                    + " --bootstrap and --registry (or DDT_KAFKA_BOOTSTRAP_SERVERS and DDT_SCHEMA_REGISTRY_URL)");
        }
        return p;
    }

    /** The stack given by the options, the environment or a running {@code ddt serve} / {@code ddt cluster}, if its brokers answer. */
    Optional<Map<String, Object>> running() {
        Map<String, Object> p = given();
        if (!p.containsKey("bootstrap.servers") || !p.containsKey("schema.registry.url")) {
            return Optional.empty();
        }
        Map<String, Object> admin = new LinkedHashMap<>(p);
        admin.put("request.timeout.ms", 3000);
        admin.put("default.api.timeout.ms", 3000);
        try (Admin a = Admin.create(admin)) {
            a.describeCluster().nodes().get(5, TimeUnit.SECONDS);
            return Optional.of(p);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private Map<String, Object> given() {
        Map<String, Object> p = new LinkedHashMap<>();
        Path serve = Path.of(SERVE_FILE);
        if (Files.isRegularFile(serve)) {
            load(serve).forEach((k, v) -> p.put((String) k, v));
        }
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("DDT_KAFKA_")) {
                p.put(k.substring(10).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        if (System.getenv("DDT_SCHEMA_REGISTRY_URL") != null) {
            p.put("schema.registry.url", System.getenv("DDT_SCHEMA_REGISTRY_URL"));
        }
        if (clientConfig != null) {
            load(clientConfig).forEach((k, v) -> p.put((String) k, v));
        }
        if (bootstrap != null) {
            p.put("bootstrap.servers", bootstrap);
        }
        if (registry != null) {
            p.put("schema.registry.url", registry);
        }
        return p;
    }

    /**
     * Records how to reach a stack started here (its addresses, and on a secured cluster the client
     * user's credentials), for the request commands of other shells; readable by this user only.
     */
    static void remember(Map<String, Object> clientProperties) throws IOException {
        Path serve = Path.of(SERVE_FILE);
        Files.createDirectories(serve.getParent());
        Properties p = new Properties();
        clientProperties.forEach((k, v) -> p.put(k, String.valueOf(v)));
        Files.deleteIfExists(serve);
        Files.createFile(serve, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer w = Files.newBufferedWriter(serve, StandardCharsets.UTF_8)) {
            p.store(w, "written by ddt serve or ddt cluster up");
        }
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return p;
    }
}
