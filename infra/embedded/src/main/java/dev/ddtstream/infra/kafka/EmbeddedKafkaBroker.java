package dev.ddtstream.infra.kafka;

import dev.ddtstream.infra.net.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) in this JVM, bound to
 * 127.0.0.1, for tests and the embedded demo.
 *
 * <p>The storage is formatted with Kafka's own {@link StorageTool} and the node runs as
 * {@link KafkaRaftServer}, exactly as {@code kafka-server-start.sh} would run it.
 * {@code KafkaClusterTestKit} is not used because it binds every interface. Settings are tuned
 * for one node: replication 1, one partition for the internal topics, and no initial rebalance
 * delay, so that consumer groups and transactions start in milliseconds.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean deleteDataOnClose;
    private final String bootstrapServers;
    private final Duration startupTime;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path dataDir, boolean deleteDataOnClose,
                                String bootstrapServers, Duration startupTime) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteDataOnClose = deleteDataOnClose;
        this.bootstrapServers = bootstrapServers;
        this.startupTime = startupTime;
    }

    /** Starts a broker on free ports with its data in a fresh temporary directory, deleted on close. */
    public static EmbeddedKafkaBroker start() throws IOException {
        return start(Files.createTempDirectory("ddt-kafka-"), 0, true);
    }

    /**
     * Starts a broker.
     *
     * @param dataDir           where the log lives; formatted unless it already holds a formatted log
     * @param port              the client port on 127.0.0.1, or 0 for a free one
     * @param deleteDataOnClose whether {@link #close()} removes {@code dataDir}
     */
    public static EmbeddedKafkaBroker start(Path dataDir, int port, boolean deleteDataOnClose) throws IOException {
        long began = System.nanoTime();
        int brokerPort = port == 0 ? FreePorts.pick() : port;
        int controllerPort = FreePorts.pick();
        Properties props = brokerProperties(dataDir.resolve("log"), brokerPort, controllerPort);
        format(dataDir, props);

        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        server.startup();
        String bootstrap = "127.0.0.1:" + brokerPort;
        try {
            awaitReady(bootstrap, Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            server.shutdown();
            server.awaitShutdown();
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        log.info("Kafka broker started on {} in {} ms (data in {})", bootstrap, took.toMillis(), dataDir);
        return new EmbeddedKafkaBroker(server, dataDir, deleteDataOnClose, bootstrap, took);
    }

    static Properties brokerProperties(Path logDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // A single node never needs to wait for peers; small segments keep test disks small.
        p.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        return p;
    }

    private static void format(Path dataDir, Properties props) throws IOException {
        Files.createDirectories(dataDir);
        Path config = dataDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            props.store(w, "ddt-stream embedded broker");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = StorageTool.execute(new String[] {
                "format", "--cluster-id", Uuid.randomUuid().toString(), "--config", config.toString(),
                "--ignore-formatted"}, new PrintStream(out, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IOException("formatting Kafka storage in " + dataDir + " failed (exit " + rc + "): "
                    + out.toString(StandardCharsets.UTF_8));
        }
    }

    private static void awaitReady(String bootstrap, Duration timeout) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(p)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Kafka broker on " + bootstrap + " not ready after " + timeout, e);
                    }
                }
                sleep(50);
            }
        }
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Wall time from the call to {@code start} until the broker answered a metadata request. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Shuts the broker down and, if it owns its data directory, deletes it. */
    @Override
    public void close() {
        long began = System.nanoTime();
        server.shutdown();
        server.awaitShutdown();
        if (deleteDataOnClose) {
            deleteRecursively(dataDir);
        }
        log.info("Kafka broker on {} stopped in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
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
        broker.server.awaitShutdown();
    }
}
