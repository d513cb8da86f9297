package dev.ddtstream.infra.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real schema registry, Apicurio Registry 2.4 with in-memory storage, serving the Confluent
 * Schema Registry API on 127.0.0.1 as a child process of this JVM.
 *
 * <p>It is a separate process because Apicurio is a Quarkus 2 application whose dependency tree
 * (Kafka 2.8 clients, Jackson 2.14, Avro 1.11, Vert.x, RESTEasy ...) cannot share a classpath with
 * the Kafka 4 broker and Flink 2 that run in this JVM. The jar is built by the
 * {@code infra/schema-registry} module.
 *
 * <p>Unlike Apicurio, whose default is NONE, Confluent's global compatibility is BACKWARD; the
 * registry is set to BACKWARD before {@link #start} returns.
 */
public final class SchemaRegistryProcess implements AutoCloseable {

    /** System property naming the registry's uber-jar. */
    public static final String JAR_PROPERTY = "ddt.registry.jar";
    /** Environment variable naming the registry's uber-jar, read when the property is not set. */
    public static final String JAR_ENV = "DDT_REGISTRY_JAR";

    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryProcess.class);
    private static final String API_PATH = "/apis/ccompat/v7";
    private static final String JAR_GLOB = "ddt-schema-registry-*.jar";
    private static final Path BUILD_DIR = Path.of("infra", "schema-registry", "target");
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern LISTENING = Pattern.compile("Listening on: http://127\\.0\\.0\\.1:(\\d+)");
    /** Apicurio reads generic names (AUTH_ENABLED, LOG_LEVEL, HTTP_PORT ...): the child gets only these. */
    private static final Set<String> INHERITED_ENV = Set.of("PATH", "HOME", "LANG", "TZ", "TMPDIR", "SystemRoot", "TEMP", "TMP");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path logFile;
    private final Thread shutdownHook;
    private volatile String url;
    private volatile Duration startupTime;
    private boolean stopped;

    private SchemaRegistryProcess(Process process, Path logFile) {
        this.process = process;
        this.logFile = logFile;
        this.shutdownHook = new Thread(this::stop, "schema-registry-shutdown");
    }

    /**
     * Starts the registry from {@code runnerJar} on a free port of 127.0.0.1, keeping its schemas in
     * memory, and returns once it answers and its global compatibility is BACKWARD.
     *
     * @throws IOException if it does not get there within two minutes; the message ends with the
     *     last lines of the process's output
     */
    public static SchemaRegistryProcess start(Path runnerJar) throws IOException {
        return start(runnerJar, null);
    }

    /**
     * As {@link #start(Path)}, keeping its schemas in an H2 database under {@code storageDir} when
     * one is given: a registry restarted on the same directory gives every schema its old id.
     */
    public static SchemaRegistryProcess start(Path runnerJar, Path storageDir) throws IOException {
        if (!Files.isRegularFile(runnerJar)) {
            throw new IOException("schema registry jar " + runnerJar + " does not exist");
        }
        long begin = System.nanoTime();
        Path logDir = Files.isDirectory(Path.of("target")) ? Path.of("target") : Path.of(System.getProperty("java.io.tmpdir"));
        Path logFile = Files.createTempFile(logDir.toAbsolutePath(), "schema-registry-", ".log");
        List<String> command = command(runnerJar, 0, storageDir, ProcessHandle.current().pid());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        builder.environment().keySet().retainAll(INHERITED_ENV);

        SchemaRegistryProcess registry = new SchemaRegistryProcess(builder.start(), logFile);
        Runtime.getRuntime().addShutdownHook(registry.shutdownHook);
        try {
            registry.awaitReady(begin + STARTUP_TIMEOUT.toNanos());
            registry.setBackwardCompatibility();
        } catch (IOException | RuntimeException e) {
            String tail = registry.outputTail();
            registry.close();
            throw new IOException(e.getMessage() + "\n--- last lines of " + logFile + " ---\n" + tail, e);
        }
        registry.startupTime = Duration.ofNanos(System.nanoTime() - begin);
        log.info("schema registry started on {} in {} ms, pid {} (output: {})",
                registry.url, registry.startupTime.toMillis(), registry.pid(), logFile);
        return registry;
    }

    /**
     * The command line of a registry on {@code port} of 127.0.0.1 (0: any free port, logged as
     * "Listening on: ..."), its schemas in memory or in H2 under {@code storageDir}, exiting with
     * the process {@code parentPid} when one is given.
     */
    public static List<String> command(Path runnerJar, int port, Path storageDir, Long parentPid) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(jvmArgs(port, storageDir));
        if (parentPid != null) {
            // Makes the registry exit when that JVM is gone, even by SIGKILL, which skips the shutdown hook.
            c.add("-Dddt.registry.parent-pid=" + parentPid);
        }
        c.addAll(List.of("-jar", runnerJar.toAbsolutePath().toString()));
        return c;
    }

    /** The JVM's settings of a registry on {@code port} (0: any), its schemas in memory or in H2 under {@code storageDir}. */
    public static List<String> jvmArgs(int port, Path storageDir) {
        List<String> c = new ArrayList<>(List.of(
                "-Xmx256m",
                // A lightly loaded service that should come up fast: C1 and the serial GC halve start-up on few cores.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port));
        if (storageDir != null) {
            // Apicurio's own SQL storage on a file: the tables are made on the first start, found on the next
            c.add("-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + storageDir.toAbsolutePath().resolve("registry") + ";DB_CLOSE_ON_EXIT=FALSE");
        }
        return c;
    }

    /**
     * The registry's uber-jar: the system property {@value #JAR_PROPERTY}, else the environment
     * variable {@value #JAR_ENV}, else the newest {@code infra/schema-registry/target/ddt-schema-registry-*.jar}
     * in the working directory or one above it.
     */
    public static Path locateJar() {
        String[][] configured = {
            {"system property " + JAR_PROPERTY, System.getProperty(JAR_PROPERTY)},
            {"environment variable " + JAR_ENV, System.getenv(JAR_ENV)}};
        for (String[] source : configured) {
            if (source[1] != null && !source[1].isBlank()) {
                Path jar = Path.of(source[1]);
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException("schema registry jar " + jar + " (from the " + source[0]
                            + ") does not exist; build it with: mvn -pl infra/schema-registry -am install");
                }
                return jar;
            }
        }
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Optional<Path> built = newestJar(dir.resolve(BUILD_DIR));
            if (built.isPresent()) {
                return built.get();
            }
        }
        throw new IllegalStateException("schema registry jar not found: set the system property " + JAR_PROPERTY
                + " or the environment variable " + JAR_ENV + " to its path, or build it (mvn -pl infra/schema-registry -am install)"
                + " so that " + BUILD_DIR.resolve(JAR_GLOB) + " exists in " + start + " or a directory above it");
    }

    /** The base URL a Confluent client is given, e.g. {@code http://127.0.0.1:41234/apis/ccompat/v7}. */
    public String url() {
        return url;
    }

    /** From launching the JVM to BACKWARD being set. */
    public Duration startupTime() {
        return startupTime;
    }

    public long pid() {
        return process.pid();
    }

    /** Where the registry's stdout and stderr go. */
    public Path logFile() {
        return logFile;
    }

    /** Stops the process: SIGTERM, then SIGKILL after 10 s. Idempotent. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to; stop() is idempotent.
        }
        stop();
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("schema registry pid {} did not stop within {} s of SIGTERM; killing it", pid(), STOP_TIMEOUT.toSeconds());
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        log.info("schema registry on {} stopped, pid {}", url == null ? "no port yet" : url, pid());
    }

    private void awaitReady(long deadlineNanos) throws IOException {
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("schema registry exited with code " + process.exitValue() + " before it was ready");
            }
            if (url == null) {
                Matcher listening = LISTENING.matcher(readLog());
                if (listening.find()) {
                    url = "http://127.0.0.1:" + listening.group(1) + API_PATH;
                }
            }
            if (url != null && answers()) {
                return;
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new IOException("schema registry was not ready within " + STARTUP_TIMEOUT.toSeconds() + " s"
                        + (url == null ? " (it never reported its port)" : " (no 200 from " + url + "/subjects)"));
            }
            sleep(100);
        }
    }

    private boolean answers() throws IOException {
        try {
            return send(HttpRequest.newBuilder(URI.create(url + "/subjects")).GET()).statusCode() == 200;
        } catch (IOException notYet) {
            // Refused or cut off while the HTTP server comes up; the deadline decides.
            return false;
        }
    }

    private void setBackwardCompatibility() throws IOException {
        HttpResponse<String> put = send(HttpRequest.newBuilder(URI.create(url + "/config"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"BACKWARD\"}")));
        HttpResponse<String> get = send(HttpRequest.newBuilder(URI.create(url + "/config")).GET());
        String level = get.statusCode() == 200 ? JSON.readTree(get.body()).path("compatibilityLevel").asText() : "";
        if (put.statusCode() != 200 || !"BACKWARD".equals(level)) {
            throw new IOException("setting global compatibility BACKWARD failed: PUT /config answered " + put.statusCode()
                    + " " + put.body() + ", GET /config answered " + get.statusCode() + " " + get.body());
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while talking to the schema registry", e);
        }
    }

    private String readLog() {
        try {
            return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String outputTail() {
        List<String> lines = readLog().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static Optional<Path> newestJar(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> matches = Files.newDirectoryStream(dir, JAR_GLOB)) {
            matches.forEach(jars::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jars.stream().max(Comparator.comparingLong(p -> p.toFile().lastModified()));
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the schema registry", e);
        }
    }
}
