package dev.ddtstream.infra.kafka;

import dev.ddtstream.infra.net.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (a {@link KafkaNode}: KRaft, combined broker and controller) in
 * this JVM, bound to 127.0.0.1, for tests, the embedded demo and {@code infra/bin/kafka-broker.sh}.
 * {@code KafkaClusterTestKit} is not used because it binds every interface. Its data directory
 * remembers its ports and cluster id, so the broker restarts on it, after a stop or a crash.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final KafkaNode node;
    private final Path dataDir;
    private final boolean deleteDataOnClose;
    private final Duration startupTime;

    private EmbeddedKafkaBroker(KafkaNode node, Path dataDir, boolean deleteDataOnClose, Duration startupTime) {
        this.node = node;
        this.dataDir = dataDir;
        this.deleteDataOnClose = deleteDataOnClose;
        this.startupTime = startupTime;
    }

    /** Starts a broker on free ports with its data in a fresh temporary directory, deleted on close. */
    public static EmbeddedKafkaBroker start() throws IOException {
        return start(Files.createTempDirectory("ddt-kafka-"), 0, true);
    }

    /**
     * Starts a broker.
     *
     * @param dataDir           its directory: made on the first start, taken as it is on every other
     * @param port              the client port on 127.0.0.1 for a new directory, 0 for a free one; a
     *                          directory made before keeps its own port (0 accepts it, another refuses)
     * @param deleteDataOnClose whether {@link #close()} removes {@code dataDir}
     */
    public static EmbeddedKafkaBroker start(Path dataDir, int port, boolean deleteDataOnClose) throws IOException {
        long began = System.nanoTime();
        if (!Files.exists(dataDir.resolve(KafkaNode.CONFIG))) {
            int brokerPort = port == 0 ? FreePorts.pick() : port;
            int controllerPort = FreePorts.pick();
            KafkaNode.prepare(dataDir, KafkaNode.nodeProperties(1, brokerPort, controllerPort, "1@127.0.0.1:" + controllerPort,
                    dataDir.resolve("log"), 1), KafkaNode.newClusterId());
        }
        KafkaNode node = KafkaNode.start(dataDir);
        if (port != 0 && !node.bootstrapServers().endsWith(":" + port)) {
            node.close();
            throw new IllegalArgumentException(dataDir + " belongs to a broker on " + node.bootstrapServers() + ", not port " + port);
        }
        try {
            node.awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        log.info("Kafka broker started on {} in {} ms (data in {})", node.bootstrapServers(), took.toMillis(), dataDir);
        return new EmbeddedKafkaBroker(node, dataDir, deleteDataOnClose, took);
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return node.bootstrapServers();
    }

    /** Wall time from the call to {@code start} until the broker answered a metadata request. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Shuts the broker down and, if it owns its data directory, deletes it. */
    @Override
    public void close() {
        long began = System.nanoTime();
        node.close();
        if (deleteDataOnClose) {
            deleteRecursively(dataDir);
        }
        log.info("Kafka broker on {} stopped in {} ms", bootstrapServers(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /** Runs a long-lived broker until the process is stopped: {@code infra/bin/kafka-broker.sh}. */
    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args.length > 0 ? args[0] : "target/kafka-data");
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 9092;
        EmbeddedKafkaBroker broker = start(dataDir, port, false);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "kafka-broker-shutdown"));
        System.out.println("Kafka broker listening on " + broker.bootstrapServers() + "; data in "
                + dataDir.toAbsolutePath() + "; Ctrl-C stops it");
        broker.node.awaitShutdown();
    }
}
