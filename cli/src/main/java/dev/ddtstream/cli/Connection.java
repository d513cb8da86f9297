package dev.ddtstream.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where the request commands find the stack, first match wins: {@code --bootstrap}/{@code --registry};
 * {@code --client-config FILE} (Kafka client and registry properties, passed through untouched);
 * {@code DDT_KAFKA_BOOTSTRAP_SERVERS}/{@code DDT_SCHEMA_REGISTRY_URL} (and any {@code DDT_KAFKA_*});
 * the file a running {@code ddt serve} writes ({@value #SERVE_FILE}).
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
        if (!p.containsKey("bootstrap.servers") || !p.containsKey("schema.registry.url")) {
            throw new IllegalArgumentException("no stack to talk to: start one with `./ddt serve`, or pass --bootstrap and"
                    + " --registry (or DDT_KAFKA_BOOTSTRAP_SERVERS and DDT_SCHEMA_REGISTRY_URL)");
        }
        return p;
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
