package dev.ddtstream.cli.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A Flink session cluster of two JVMs (a JobManager and a TaskManager) started from the Maven
 * dependencies, {@code flink-dist} not being on Maven Central for Flink 2.1: their {@code config.yaml},
 * and the REST calls that submit a job jar to them and watch it.
 */
final class FlinkSession {

    static final String JOB_MANAGER = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    /** The module openings Flink's own config.yaml gives every Flink JVM (env.java.default-opts.all) on Java 17. */
    static final List<String> JAVA_OPTS = List.of(
            "--add-exports=java.management/sun.management=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final ClusterLayout layout;

    FlinkSession(ClusterLayout layout) {
        this.layout = layout;
    }

    Path confDir() {
        return layout.flinkDir().resolve("conf");
    }

    /** The session's configuration: every endpoint on 127.0.0.1 on the layout's ports, checkpoints on disk. */
    Map<String, String> config() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("jobmanager.rpc.port", Integer.toString(layout.flinkPort(0)));
        c.put("jobmanager.memory.process.size", "768m");
        c.put("blob.server.port", Integer.toString(layout.flinkPort(1)));
        c.put("taskmanager.host", "127.0.0.1");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.rpc.port", Integer.toString(layout.flinkPort(2)));
        c.put("taskmanager.data.port", Integer.toString(layout.flinkPort(3)));
        c.put("taskmanager.numberOfTaskSlots", "2");
        c.put("taskmanager.memory.process.size", "1024m");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", Integer.toString(layout.flinkRestPort()));
        c.put("web.upload.dir", layout.flinkDir().resolve("uploads").toString());
        c.put("execution.checkpointing.dir", layout.flinkDir().resolve("checkpoints").toUri().toString());
        c.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        c.put("restart-strategy.type", "fixed-delay");
        c.put("restart-strategy.fixed-delay.attempts", "1000");
        c.put("restart-strategy.fixed-delay.delay", "2 s");
        // a killed TaskManager is noticed within two failed heartbeats (heartbeat.rpc-failure-threshold 2), while a
        // busy one has 20 s to answer: a timeout no longer than the interval failed the job on every pause of a loaded host
        c.put("heartbeat.interval", "2000");
        c.put("heartbeat.timeout", "20000");
        return c;
    }

    /** Writes {@code conf/config.yaml} from {@link #config()}. */
    void writeConfig() throws IOException {
        Files.createDirectories(confDir());
        StringBuilder yaml = new StringBuilder("# Written by ddt cluster up: a session cluster on 127.0.0.1\n");
        config().forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        Files.writeString(confDir().resolve("config.yaml"), yaml.toString());
    }

    /**
     * The TaskManager's JVM memory options and its derived memory settings ({@code -D key=value}),
     * computed from the process size as Flink's start scripts compute them (their BashJavaUtils):
     * started without them, a TaskManager refuses to run.
     */
    TaskManagerLaunch taskManagerLaunch() {
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(Configuration.fromMap(config()));
        List<String> jvm = List.of(ProcessMemoryUtils.generateJvmParametersStr(spec).trim().split("\\s+"));
        List<String> dynamic = List.of(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec).trim().split("\\s+"));
        return new TaskManagerLaunch(jvm, dynamic);
    }

    /** What a TaskManager JVM is started with, besides its configuration directory. */
    record TaskManagerLaunch(List<String> jvmArgs, List<String> dynamicProperties) {
    }

    /** How many TaskManagers the JobManager has, or -1 when it does not answer. */
    int taskManagers() {
        try {
            return get("/overview").path("taskmanagers").asInt(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Uploads {@code jar} and runs {@code entryClass} from it with {@code args}; returns the job id. */
    String submit(Path jar, String entryClass, String args) throws IOException {
        String boundary = "ddt-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName()
                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(jar));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        JsonNode uploaded = send(HttpRequest.newBuilder(URI.create(layout.flinkRest() + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        String file = uploaded.path("filename").asText();
        String jarId = file.substring(file.lastIndexOf('/') + 1);
        String run = JSON.writeValueAsString(Map.of("entryClass", entryClass, "programArgsList", List.of(args)));
        JsonNode started = send(HttpRequest.newBuilder(URI.create(layout.flinkRest() + "/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(run)));
        return started.path("jobid").asText();
    }

    /** The state of every job (RUNNING, RESTARTING, ...), keyed by name. */
    Map<String, String> jobs() throws IOException {
        Map<String, String> out = new TreeMap<>();
        get("/jobs/overview").path("jobs").forEach(j -> out.put(j.path("name").asText(), j.path("state").asText()));
        return out;
    }

    private JsonNode get(String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(layout.flinkRest() + path)).GET());
    }

    private static JsonNode send(HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> r = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IOException(r.request().method() + " " + r.uri() + " answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
