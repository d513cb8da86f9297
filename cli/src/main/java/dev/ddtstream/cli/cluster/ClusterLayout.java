package dev.ddtstream.cli.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Where everything of a local multi-process cluster lives: its run folder (data, generated
 * configuration, logs, pids) and its ports on 127.0.0.1, all fixed from one base port so that a
 * cluster comes back on the same addresses and data after {@code down} and {@code up}.
 *
 * @param dir  the run folder
 * @param base the base port (default 19000): brokers base+92.., controllers base+192.., the registry
 *             base+81, Flink's REST base+82, the GPU workers base+464.., the orchestrators base+100..,
 *             the dashboard base+88
 */
public record ClusterLayout(Path dir, int base) {

    public static final int BROKERS = 3;
    /** The LLaMA stage runs as two processes, the others as one. */
    public static final List<String> GPU_PROCESSES = List.of("gpu-encoder", "gpu-llama-0", "gpu-llama-1", "gpu-mmdit");
    /** The GPU processes' instance names are {@code cluster-<stage>[-n]}: their transactional ids start so. */
    public static final String GPU_INSTANCE_STEM = "cluster";
    /** The orchestrators' processes, {@code <app>-<n>}: two generators, so that one takes over when the other dies. */
    public static final List<String> ORCHESTRATORS = List.of("generator-0", "generator-1", "captioner-0", "tokenizer-0");

    /** The base port of a cluster whose run folder does not say otherwise. */
    public static final int DEFAULT_BASE = 19000;
    private static final String BASE_FILE = "base-port";

    /**
     * The layout of the run folder {@code dir}: the base port it was set up with (remembered at its
     * first {@code up}), else {@code base}, else {@link #DEFAULT_BASE}; a different {@code base} for a
     * folder set up with another is refused, since its brokers' data names their ports.
     */
    public static ClusterLayout of(Path dir, Integer base) throws IOException {
        Path file = dir.resolve(BASE_FILE);
        if (Files.isRegularFile(file)) {
            int remembered = Integer.parseInt(Files.readString(file).trim());
            if (base != null && base != remembered) {
                throw new IllegalArgumentException("the cluster in " + dir + " was set up with base port " + remembered
                        + ", not " + base + "; leave --base-port out or use another --dir");
            }
            return new ClusterLayout(dir, remembered);
        }
        return new ClusterLayout(dir, base == null ? DEFAULT_BASE : base);
    }

    /** Writes the base port into the run folder, for {@link #of} to find. */
    public void remember() throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(BASE_FILE), base + "\n");
    }

    public ClusterLayout {
        dir = dir.toAbsolutePath().normalize();
        if (base < 1024 || base > 65535 - 600) {
            throw new IllegalArgumentException("the base port must leave room for the cluster's ports: " + base);
        }
    }

    public int brokerPort(int node) {
        return base + 91 + node;
    }

    public int controllerPort(int node) {
        return base + 191 + node;
    }

    /** {@code host:port} of every broker. */
    public String bootstrapServers() {
        return String.join(",", IntStream.rangeClosed(1, BROKERS).mapToObj(n -> "127.0.0.1:" + brokerPort(n)).toList());
    }

    public String voters() {
        return String.join(",", IntStream.rangeClosed(1, BROKERS).mapToObj(n -> n + "@127.0.0.1:" + controllerPort(n)).toList());
    }

    public int registryPort() {
        return base + 81;
    }

    public String registryUrl() {
        return "http://127.0.0.1:" + registryPort() + "/apis/ccompat/v7";
    }

    public int flinkRestPort() {
        return base + 82;
    }

    public String flinkRest() {
        return "http://127.0.0.1:" + flinkRestPort();
    }

    /** Flink's JobManager RPC, blob server, TaskManager RPC and data ports. */
    public int flinkPort(int index) {
        return base + 123 + index;
    }

    public int gpuHttpPort(String process) {
        return base + 464 + GPU_PROCESSES.indexOf(process);
    }

    public int orchestratorHttpPort(String process) {
        return base + 100 + ORCHESTRATORS.indexOf(process);
    }

    /** The application an orchestrator process runs: {@code generator} for {@code generator-1}. */
    public static String app(String process) {
        return process.substring(0, process.indexOf('-'));
    }

    public int dashboardPort() {
        return base + 88;
    }

    /** Every port the cluster listens on. */
    public List<Integer> ports() {
        List<Integer> out = new ArrayList<>();
        for (int n = 1; n <= BROKERS; n++) {
            out.add(brokerPort(n));
            out.add(controllerPort(n));
        }
        out.addAll(List.of(registryPort(), flinkRestPort(), dashboardPort()));
        IntStream.range(0, 4).forEach(i -> out.add(flinkPort(i)));
        GPU_PROCESSES.forEach(p -> out.add(gpuHttpPort(p)));
        ORCHESTRATORS.forEach(p -> out.add(orchestratorHttpPort(p)));
        return out;
    }

    public Path kafkaDir(int node) {
        return dir.resolve("kafka-" + node);
    }

    public Path registryDir() {
        return dir.resolve("registry");
    }

    public Path flinkDir() {
        return dir.resolve("flink");
    }

    /** The secured cluster's credentials (absent: a plaintext cluster). */
    public Path securityDir() {
        return dir.resolve("security");
    }

    public Path configDir() {
        return dir.resolve("config");
    }

    public Path logDir() {
        return dir.resolve("logs");
    }

    public Path pidDir() {
        return dir.resolve("pids");
    }

    public Path stateDir(String process) {
        return dir.resolve("state").resolve(process);
    }
}
