package dev.ddtstream.infra.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
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
 * One KRaft node (broker and controller in one) in this JVM, bound to 127.0.0.1, described by a
 * directory that holds its {@code server.properties}, its {@code cluster.id} and its log. The
 * directory is written once ({@link #prepare}); every start formats the storage with that cluster
 * id unless it already is, so a node restarts on its own data after a clean stop or a crash, on
 * the same ports. The storage is formatted with Kafka's own {@link StorageTool} and the node runs
 * as {@link KafkaRaftServer}, exactly as {@code kafka-server-start.sh} would run it.
 */
public final class KafkaNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaNode.class);
    static final String CONFIG = "server.properties";
    static final String CLUSTER_ID = "cluster.id";
    /** Optional: SCRAM credentials to write into the metadata at format, one {@code --add-scram} argument per line. */
    static final String SCRAM = "scram-credentials";
    /** Optional: the settings of the node's own admin client (its readiness check) on a secured listener. */
    static final String ADMIN_CLIENT = "admin-client.properties";

    private final KafkaRaftServer server;
    private final Properties config;
    private final Properties adminClient;

    private KafkaNode(KafkaRaftServer server, Properties config, Properties adminClient) {
        this.server = server;
        this.config = config;
        this.adminClient = adminClient;
    }

    /**
     * The settings of node {@code nodeId} of a cluster whose nodes all are controllers too.
     *
     * @param voters      {@code id@127.0.0.1:controllerPort} of every node, comma-separated
     * @param replication replicas of the internal topics (offsets, transactions) and of new topics;
     *                    with more than one, writes need {@code replication - 1} in sync
     */
    public static Properties nodeProperties(int nodeId, int clientPort, int controllerPort, String voters, Path logDir,
                                            int replication) {
        String minIsr = Integer.toString(Math.max(1, replication - 1));
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("default.replication.factor", Integer.toString(replication));
        p.put("min.insync.replicas", minIsr);
        p.put("offsets.topic.replication.factor", Integer.toString(replication));
        p.put("transaction.state.log.replication.factor", Integer.toString(replication));
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("share.coordinator.state.topic.replication.factor", Integer.toString(replication));
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        if (replication == 1) {
            // a single node never waits for peers: one partition for the internal topics starts groups in milliseconds
            p.put("offsets.topic.num.partitions", "1");
            p.put("transaction.state.log.num.partitions", "1");
        }
        p.put("group.initial.rebalance.delay.ms", "0");
        // a silent broker is fenced after 4 s (Kafka's default: 9 s): in a cluster its leaderships move sooner, and a
        // broker that crashed re-registers sooner when it comes back (the controller waits out the old registration)
        p.put("broker.session.timeout.ms", "4000");
        p.put("broker.heartbeat.interval.ms", "1000");
        if (replication > 1) {
            // failover: the open transaction of a producer that died is aborted within 2 s of its timeout (default: 10 s)
            p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "2000");
            // a laptop-sized cluster: the internal topics' default 50 partitions each slow every start
            p.put("offsets.topic.num.partitions", "8");
            p.put("transaction.state.log.num.partitions", "8");
        }
        p.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        return p;
    }

    /** Writes the node's directory, unless it was written before (then it is left as it is). */
    public static void prepare(Path dir, Properties serverProperties, String clusterId) throws IOException {
        Files.createDirectories(dir);
        Path config = dir.resolve(CONFIG);
        if (Files.exists(config)) {
            return;
        }
        Files.writeString(dir.resolve(CLUSTER_ID), clusterId + "\n");
        try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            serverProperties.store(w, "ddt-stream Kafka node " + serverProperties.getProperty("node.id"));
        }
    }

    /**
     * Makes the node in {@code dir} (after {@link #prepare}) a secured one: the SCRAM credentials its
     * storage is formatted with, and how its readiness check authenticates. Both files are readable by
     * this user only.
     */
    public static void secure(Path dir, List<String> scramCredentials, Map<String, Object> adminClient) throws IOException {
        writePrivate(dir.resolve(SCRAM), String.join("\n", scramCredentials) + "\n");
        Properties p = new Properties();
        adminClient.forEach((k, v) -> p.put(k, String.valueOf(v)));
        StringWriter w = new StringWriter();
        p.store(w, "the node's own admin client");
        writePrivate(dir.resolve(ADMIN_CLIENT), w.toString());
    }

    private static void writePrivate(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text);
    }

    /** A new cluster id, for {@link #prepare}. */
    public static String newClusterId() {
        return Uuid.randomUuid().toString();
    }

    /** The settings of the node in {@code dir}. */
    public static Properties config(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(CONFIG), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }

    /** Formats the storage the first time, then runs the node; returns once it is started (not yet serving). */
    public static KafkaNode start(Path dir) throws IOException {
        Properties config = config(dir);
        String clusterId = Files.readString(dir.resolve(CLUSTER_ID)).trim();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> format = new ArrayList<>(List.of("format", "--cluster-id", clusterId, "--config", dir.resolve(CONFIG).toString(),
                "--ignore-formatted"));
        if (Files.exists(dir.resolve(SCRAM))) {
            for (String credential : Files.readAllLines(dir.resolve(SCRAM))) {
                if (!credential.isBlank()) {
                    format.addAll(List.of("--add-scram", credential));
                }
            }
        }
        int rc = StorageTool.execute(format.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IOException("formatting Kafka storage in " + dir + " failed (exit " + rc + "): " + out.toString(StandardCharsets.UTF_8));
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
        server.startup();
        Properties admin = new Properties();
        if (Files.exists(dir.resolve(ADMIN_CLIENT))) {
            try (Reader r = Files.newBufferedReader(dir.resolve(ADMIN_CLIENT), StandardCharsets.UTF_8)) {
                admin.load(r);
            }
        }
        return new KafkaNode(server, config, admin);
    }

    /** {@code 127.0.0.1:port} of the client listener. */
    public String bootstrapServers() {
        String listeners = config.getProperty("advertised.listeners");
        return listeners.substring(listeners.indexOf("://") + 3).split(",")[0];
    }

    /** Waits until the node answers a metadata request (a cluster's nodes first need a quorum). */
    public void awaitReady(Duration timeout) {
        Properties p = new Properties();
        p.putAll(adminClient);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(p)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Kafka node on " + bootstrapServers() + " not ready after " + timeout, e);
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the node", e);
                }
            }
        }
    }

    void awaitShutdown() {
        server.awaitShutdown();
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    /** Runs the node in {@code args[0]} until the process is stopped: what {@code ddt cluster} starts for each broker. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        KafkaNode node = start(dir);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "kafka-node-shutdown"));
        node.awaitReady(Duration.ofMinutes(5));
        log.info("Kafka node {} serving on {} (data in {})", node.config.getProperty("node.id"), node.bootstrapServers(), dir);
        node.awaitShutdown();
    }
}
