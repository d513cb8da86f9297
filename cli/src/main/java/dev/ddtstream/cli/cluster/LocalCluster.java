package dev.ddtstream.cli.cluster;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.evaluator.live.EvaluatorJob;
import dev.ddtstream.evaluator.live.EvaluatorMain;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.infra.kafka.KafkaNode;
import dev.ddtstream.infra.registry.SchemaRegistryProcess;
import dev.ddtstream.schemas.PayloadLimit;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.service.ServiceSettings;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;

/**
 * The whole system as separate processes on 127.0.0.1 ({@code ddt cluster up | status | down}):
 * three KRaft brokers (replication 3, two in sync), the schema registry on disk, a Flink session
 * cluster running the evaluator, the GPU workers (two processes for LLaMA), the three
 * orchestrators and the dashboard. Each service reads its file from {@code config/} with the
 * cluster's addresses written over it into the run folder. {@code up} starts what is not running
 * (after a crash, it restarts what died, on its data); nothing is built or downloaded.
 */
public final class LocalCluster {

    /** One process of the cluster and how to start it. */
    record Spec(String name, List<String> jvmArgs, String main, List<String> args, Optional<String> httpUrl) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    static final int PARTITIONS = 4;

    private final ClusterLayout layout;
    private final ClusterProcesses processes;
    private final FlinkSession flink;
    private final Path repoConfig;

    public LocalCluster(ClusterLayout layout, Path repoConfig) {
        this.layout = layout;
        this.processes = new ClusterProcesses(layout);
        this.flink = new FlinkSession(layout);
        this.repoConfig = repoConfig;
    }

    public ClusterLayout layout() {
        return layout;
    }

    /** The Kafka and registry client properties of the cluster, as its administrator (a super user when secured). */
    public Map<String, Object> clientProperties() {
        return clientProperties(ClusterSecurity.ADMIN);
    }

    /** The Kafka and registry client properties of one of the cluster's users ({@link ClusterSecurity#USERS}). */
    public Map<String, Object> clientProperties(String user) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", layout.bootstrapServers());
        p.put("schema.registry.url", layout.registryUrl());
        security().ifPresent(s -> {
            p.putAll(s.kafkaClient(user));
            p.putAll(s.registryClient(user));
        });
        return p;
    }

    /** The cluster's credentials, when it was set up secured ({@link #secure}). */
    public Optional<ClusterSecurity> security() {
        if (!Files.exists(layout.securityDir())) {
            return Optional.empty();
        }
        try {
            return Optional.of(ClusterSecurity.prepare(layout.securityDir()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster's credentials in " + layout.securityDir(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Makes this run folder a secured cluster before its first {@link #up}: SASL_SSL with a SCRAM user
     * per service, ACLs, TLS between the controllers, basic auth at the registry.
     */
    public void secure() throws IOException, InterruptedException {
        if (security().isEmpty() && Files.exists(layout.kafkaDir(1))) {
            throw new IllegalStateException("the cluster in " + layout.dir() + " was set up without security; "
                    + "stop it (ddt cluster down), remove the folder and start again with --secure");
        }
        ClusterSecurity.prepare(layout.securityDir());
    }

    /** Starts every process that is not running, in dependency order, waiting for each tier. */
    public Duration up(PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        if (processes.recorded().stream().noneMatch(ClusterProcesses.Recorded::alive)) {
            requireFree(layout.ports());
        }
        layout.remember();
        prepare();
        List<Spec> specs = specs();
        startAll(out, specs.stream().filter(s -> s.name().startsWith("kafka-")).toList());
        await("the three brokers to form a cluster", () -> brokers() == ClusterLayout.BROKERS, START_TIMEOUT);
        startAll(out, List.of(spec("registry")));
        await("the registry to answer", () -> reachable(layout.registryUrl() + "/subjects"), START_TIMEOUT);
        SchemaRegistryClient registry = SchemaRegistryConfig.clientFrom(clientProperties());
        registry.setCompatibility(null, "BACKWARD");
        Provisioning.provisionTopics(clientProperties(), new Provisioning.TopicPlan(PARTITIONS, ClusterLayout.BROKERS, PayloadLimit.DEFAULT));
        Provisioning.registerSchemas(registry);
        out.printf("Provision %d topics (%d partitions, replication %d, min in sync %d), schemas registered%n",
                Topics.ALL.size(), PARTITIONS, ClusterLayout.BROKERS, ClusterLayout.BROKERS - 1);
        if (security().isPresent()) {
            try (Admin admin = Admin.create(clientProperties())) {
                List<AclBinding> acls = ClusterSecurity.acls(ClusterLayout.GPU_INSTANCE_STEM);
                admin.createAcls(acls).all().get(1, TimeUnit.MINUTES);
                out.printf("Secured   SASL_SSL (SCRAM-SHA-512) for %d users, %d ACLs, registry basic auth; credentials in %s%n",
                        ClusterSecurity.USERS.size(), acls.size(), layout.securityDir());
            }
        }
        startAll(out, List.of(spec("flink-jobmanager"), spec("flink-taskmanager")));
        await("Flink's TaskManager to register", () -> flink.taskManagers() >= 1, START_TIMEOUT);
        String evaluator = flink.jobs().get(EvaluatorJob.NAME);
        if (evaluator == null || List.of("FAILED", "CANCELED", "FINISHED").contains(evaluator)) {
            String job = flink.submit(evaluatorJar(), EvaluatorMain.class.getName(), layout.configDir().resolve("evaluator.properties").toString());
            out.printf("Evaluator job %s submitted to %s%n", job, layout.flinkRest());
        }
        startAll(out, specs.stream().filter(s -> s.httpUrl().isPresent()).toList());
        awaitReady(START_TIMEOUT);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        out.printf("Cluster   up in %.1f s: %d processes, resident memory %d MiB; logs in %s%n", took.toMillis() / 1000.0,
                processes.recorded().stream().filter(ClusterProcesses.Recorded::alive).count(), residentMiB(), layout.logDir());
        return took;
    }

    /**
     * Waits until the whole cluster serves: three brokers, the registry, the evaluator job running, and
     * every service ready (after a fault, once what was struck is back).
     */
    public void awaitReady(Duration timeout) throws InterruptedException, IOException {
        await("three brokers", () -> brokers() == ClusterLayout.BROKERS, timeout);
        await("the registry", () -> reachable(layout.registryUrl() + "/subjects"), timeout);
        await("the evaluator job to run", () -> "RUNNING".equals(evaluatorState()), timeout);
        for (Spec s : specs().stream().filter(s -> s.httpUrl().isPresent()).toList()) {
            await(s.name() + " to be ready", () -> answers(s.httpUrl().orElseThrow() + "/ready"), timeout);
        }
    }

    private String evaluatorState() {
        try {
            return flink.jobs().get(EvaluatorJob.NAME);
        } catch (IOException e) {
            return null;
        }
    }

    /** Refuses to start a cluster over ports something else holds: its processes would die one by one, each in its own log. */
    private static void requireFree(List<Integer> ports) {
        for (int port : ports) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                throw new IllegalStateException("port " + port + " of the cluster is taken; choose other ports with --base-port");
            }
        }
    }

    /** Starts the named process of the cluster (a fault test restarting what it killed). */
    public long start(String name) throws IOException {
        return processes.start(name, spec(name).jvmArgs(), spec(name).main(), spec(name).args(), Map.of());
    }

    /** The pid of the named process, if it runs. */
    public Optional<ProcessHandle> process(String name) throws IOException {
        return processes.running(name);
    }

    /** One line per process: its pid, whether it runs, and for a service its probes. */
    public List<String> status() throws IOException {
        List<String> out = new ArrayList<>();
        for (ClusterProcesses.Recorded r : processes.recorded()) {
            Optional<String> url = specs().stream().filter(s -> s.name().equals(r.name())).findFirst().flatMap(Spec::httpUrl);
            String probes = url.filter(u -> r.alive()).map(u -> "health " + probe(u + "/health") + ", ready " + probe(u + "/ready") + "  " + u)
                    .orElse("");
            out.add(String.format(Locale.ROOT, "%-18s %8d  %-7s  %s", r.name(), r.pid(), r.alive() ? "running" : "dead", probes));
        }
        return out;
    }

    /** Stops what {@code up} started: the services, then Flink, the registry and the brokers; data stays. */
    public void down(PrintStream out) throws IOException {
        List<ClusterProcesses.Recorded> all = new ArrayList<>(processes.recorded());
        all.sort((a, b) -> Integer.compare(stopOrder(a.name()), stopOrder(b.name())));
        for (ClusterProcesses.Recorded r : all) {
            processes.stop(r, Duration.ofSeconds(30));
            out.printf("stopped %-18s (pid %d)%n", r.name(), r.pid());
        }
    }

    private static int stopOrder(String name) {
        if (name.startsWith("kafka-")) {
            return 4;
        }
        return switch (name) {
            case "registry" -> 3;
            case "flink-jobmanager", "flink-taskmanager" -> 2;
            default -> 1;
        };
    }

    /** Writes the run folder's configuration the first time (the brokers' directories keep their cluster id). */
    private void prepare() throws IOException {
        Files.createDirectories(layout.configDir());
        String clusterId = Files.exists(layout.dir().resolve("cluster.id"))
                ? Files.readString(layout.dir().resolve("cluster.id")).trim() : KafkaNode.newClusterId();
        Files.writeString(layout.dir().resolve("cluster.id"), clusterId + "\n");
        Optional<ClusterSecurity> security = security();
        for (int n = 1; n <= ClusterLayout.BROKERS; n++) {
            Properties node = KafkaNode.nodeProperties(n, layout.brokerPort(n), layout.controllerPort(n), layout.voters(),
                    layout.kafkaDir(n).resolve("log"), ClusterLayout.BROKERS);
            if (security.isPresent()) {
                node.putAll(security.get().nodeProperties(layout.brokerPort(n), layout.controllerPort(n)));
            }
            KafkaNode.prepare(layout.kafkaDir(n), node, clusterId);
            if (security.isPresent()) {
                Map<String, Object> admin = new LinkedHashMap<>(security.get().kafkaClient(ClusterSecurity.ADMIN));
                KafkaNode.secure(layout.kafkaDir(n), security.get().scramCredentials(), admin);
            }
        }
        flink.writeConfig();
        Files.writeString(layout.dir().resolve("log4j2.xml"), LOG4J);
        Path bundle = BundleLocator.locate().orElseThrow(() -> new IllegalStateException("no model bundle: set DDT_BUNDLE"));
        Map<String, String> common = Map.of("kafka.bootstrap.servers", layout.bootstrapServers(),
                "schema.registry.url", layout.registryUrl(), "bundle", bundle.toString());
        for (String gpu : ClusterLayout.GPU_PROCESSES) {
            String stage = gpu.split("-")[1];
            write("gpu-workers.properties", gpu, stage, common, Map.of("stages", stage,
                    "instance", ClusterLayout.GPU_INSTANCE_STEM + "-" + gpu.substring(4), "http.port", Integer.toString(layout.gpuHttpPort(gpu))));
        }
        for (String process : ClusterLayout.ORCHESTRATORS) {
            write(ClusterLayout.app(process) + ".properties", process, ClusterLayout.app(process), common, Map.of("instance", process,
                    "state.dir", layout.stateDir(process).toString(), "http.port", Integer.toString(layout.orchestratorHttpPort(process))));
        }
        Map<String, String> noBundle = new LinkedHashMap<>(common);
        noBundle.remove("bundle"); // the dashboard reads no model
        write("dashboard.properties", "dashboard", "dashboard", noBundle, Map.of("http.port", Integer.toString(layout.dashboardPort())));
        write("evaluator.properties", "evaluator", "evaluator", common, Map.of());
    }

    /**
     * The repository's {@code config/<template>} with the cluster's values over it, as
     * {@code <run>/config/<name>.properties}; on a secured cluster with {@code user}'s credentials.
     */
    private void write(String template, String name, String user, Map<String, String> common, Map<String, String> own)
            throws IOException {
        Properties p = ServiceSettings.read(repoConfig.resolve(template));
        p.putAll(common);
        p.putAll(own);
        security().ifPresent(s -> {
            s.kafkaClient(user).forEach((k, v) -> p.put("kafka." + k, String.valueOf(v)));
            s.registryClient(user).forEach((k, v) -> p.put(k, String.valueOf(v)));
        });
        Path file = layout.configDir().resolve(name + ".properties");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "config/" + template + " with ddt cluster's addresses; written by ddt cluster up");
        }
    }

    private List<Spec> specs() {
        List<Spec> out = new ArrayList<>();
        for (int n = 1; n <= ClusterLayout.BROKERS; n++) {
            out.add(spec("kafka-" + n));
        }
        for (String name : List.of("registry", "flink-jobmanager", "flink-taskmanager")) {
            out.add(spec(name));
        }
        ClusterLayout.GPU_PROCESSES.forEach(n -> out.add(spec(n)));
        ClusterLayout.ORCHESTRATORS.forEach(n -> out.add(spec(n)));
        out.add(spec("dashboard"));
        return out;
    }

    private Spec spec(String name) {
        String log4j = "-Dlog4j2.configurationFile=" + layout.dir().resolve("log4j2.xml");
        if (name.startsWith("kafka-")) {
            int n = Integer.parseInt(name.substring(6));
            return new Spec(name, List.of("-Xmx512m", log4j), KafkaNode.class.getName(), List.of(layout.kafkaDir(n).toString()),
                    Optional.empty());
        }
        if (ClusterLayout.GPU_PROCESSES.contains(name)) {
            return service(name, List.of("-Xmx768m", log4j), GpuWorkers.class.getName(), layout.gpuHttpPort(name));
        }
        if (ClusterLayout.ORCHESTRATORS.contains(name)) {
            String app = ClusterLayout.app(name);
            String main = "dev.ddtstream." + app + "." + Character.toUpperCase(app.charAt(0)) + app.substring(1) + "App";
            return service(name, List.of("-Xmx384m", log4j), main, layout.orchestratorHttpPort(name));
        }
        return switch (name) {
            case "registry" -> new Spec(name, concat(SchemaRegistryProcess.jvmArgs(layout.registryPort(), layout.registryDir()),
                    registrySecurity()),
                    SchemaRegistryProcess.locateJar().toString(), List.of(), Optional.empty());
            case "flink-jobmanager" -> new Spec(name, concat(FlinkSession.JAVA_OPTS, List.of("-Xmx512m", log4j)), FlinkSession.JOB_MANAGER,
                    List.of("--configDir", flink.confDir().toString()), Optional.empty());
            case "flink-taskmanager" -> {
                FlinkSession.TaskManagerLaunch tm = flink.taskManagerLaunch();
                List<String> args = new ArrayList<>(List.of("--configDir", flink.confDir().toString()));
                args.addAll(tm.dynamicProperties());
                List<String> jvm = concat(FlinkSession.JAVA_OPTS, tm.jvmArgs());
                jvm.add(log4j);
                yield new Spec(name, jvm, FlinkSession.TASK_MANAGER, args, Optional.empty());
            }
            case "dashboard" -> service(name, List.of("-Xmx192m", log4j), "dev.ddtstream.dashboard.DashboardMain", layout.dashboardPort());
            default -> throw new IllegalArgumentException("the cluster has no process named " + name);
        };
    }

    private List<String> registrySecurity() {
        try {
            return security().isPresent() ? security().get().registryJvmArgs() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the registry's users", e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private Spec service(String name, List<String> jvmArgs, String main, int port) {
        return new Spec(name, jvmArgs, main, List.of(layout.configDir().resolve(name + ".properties").toString()),
                Optional.of("http://127.0.0.1:" + port));
    }

    private void startAll(PrintStream out, List<Spec> specs) throws IOException {
        for (Spec s : specs) {
            if (processes.running(s.name()).isPresent()) {
                continue;
            }
            long pid = processes.start(s.name(), s.jvmArgs(), s.main(), s.args(), Map.of());
            out.printf("Started   %-18s pid %d%n", s.name(), pid);
        }
    }

    /** Waits for {@code condition}; fails at once, with the end of its log, when a process of the cluster has exited. */
    private void await(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            for (ClusterProcesses.Recorded r : processes.recorded()) {
                if (!r.alive()) {
                    throw new IllegalStateException(r.name() + " (pid " + r.pid() + ") exited while waiting for " + what
                            + "; the end of " + layout.logDir().resolve(r.name() + ".log") + ":\n" + tail(r.name(), 15));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + "; see the logs in " + layout.logDir());
            }
            Thread.sleep(250);
        }
    }

    private String tail(String name, int lines) throws IOException {
        List<String> all = Files.readAllLines(layout.logDir().resolve(name + ".log"), StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** How many brokers the cluster reports, or 0 when none answers. */
    int brokers() {
        Map<String, Object> p = new LinkedHashMap<>(clientProperties());
        p.remove("schema.registry.url");
        p.put("request.timeout.ms", 3000);
        p.put("default.api.timeout.ms", 3000);
        try (Admin admin = Admin.create(p)) {
            return admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size();
        } catch (Exception e) {
            return 0;
        }
    }

    private static boolean answers(String url) {
        return probe(url).equals("UP");
    }

    /** Whether anything answers HTTP on {@code url} (a registry behind basic auth answers 401). */
    private static boolean reachable(String url) {
        return !probe(url).equals("-");
    }

    private static String probe(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? "UP" : "DOWN";
        } catch (IOException e) {
            return "-";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "-";
        }
    }

    /**
     * The evaluator's own jar, uploaded to Flink as the job jar: where its classes were loaded from,
     * packed into the run folder first when that is a classes directory (a test in the IDE).
     */
    private Path evaluatorJar() throws IOException {
        Path source;
        try {
            source = Path.of(EvaluatorJob.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the evaluator's classes", e);
        }
        if (Files.isRegularFile(source)) {
            return source;
        }
        Path jar = layout.flinkDir().resolve("ddt-stream-evaluator-job.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(source)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(source.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /** The resident memory of the cluster's processes together, from /proc. */
    long residentMiB() throws IOException {
        long kib = 0;
        for (ClusterProcesses.Recorded r : processes.recorded()) {
            Path status = Path.of("/proc", Long.toString(r.pid()), "status");
            if (r.alive() && Files.exists(status)) {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) {
                        kib += Long.parseLong(line.replaceAll("\\D", ""));
                    }
                }
            }
        }
        return kib / 1024;
    }

    private static final String LOG4J = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Configuration status="WARN">
              <Appenders>
                <Console name="console" target="SYSTEM_OUT">
                  <PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level %c{1} - %msg%n"/>
                </Console>
              </Appenders>
              <Loggers>
                <Logger name="dev.ddtstream" level="INFO"/>
                <Logger name="org.apache.flink.runtime.entrypoint" level="INFO"/>
                <Logger name="ai.djl" level="ERROR"/>
                <Root level="WARN">
                  <AppenderRef ref="console"/>
                </Root>
              </Loggers>
            </Configuration>
            """;
}
