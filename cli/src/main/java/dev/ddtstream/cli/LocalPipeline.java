package dev.ddtstream.cli;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.captioner.CaptionerApp;
import dev.ddtstream.dashboard.Dashboard;
import dev.ddtstream.evaluator.geneval.ResultScorer;
import dev.ddtstream.evaluator.live.EvaluatorJob;
import dev.ddtstream.evaluator.live.EvaluatorTopics;
import dev.ddtstream.generator.GeneratorApp;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.gpu.service.GpuWorkersConfig;
import dev.ddtstream.infra.EmbeddedStack;
import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.tokenizer.TokenizerApp;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything on this machine: the embedded broker, registry and Flink, the catalogue's topics and
 * schemas, the three GPU pools, the three orchestrators (generator, captioner, tokenizer), the
 * Flink evaluator job and the dashboard. What {@code ddt demo} and {@code ddt serve} run; a benchmark
 * of the serving path may leave the evaluator and the dashboard out. What it starts it stops, in
 * reverse order, also when start-up fails half way.
 */
final class LocalPipeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalPipeline.class);

    final EmbeddedStack stack;
    final Path bundle;
    final GpuWorkers workers;
    final OrchestratorApp generator;
    final OrchestratorApp captioner;
    final OrchestratorApp tokenizer;
    /** Null when started without the evaluator and the dashboard. */
    final Dashboard dashboard;
    final Map<String, Object> clientProperties;
    private final Deque<AutoCloseable> started;

    private LocalPipeline(EmbeddedStack stack, Path bundle, GpuWorkers workers, OrchestratorApp generator, OrchestratorApp captioner,
                          OrchestratorApp tokenizer, Dashboard dashboard, Map<String, Object> clientProperties,
                          Deque<AutoCloseable> started) {
        this.stack = stack;
        this.bundle = bundle;
        this.workers = workers;
        this.generator = generator;
        this.captioner = captioner;
        this.tokenizer = tokenizer;
        this.dashboard = dashboard;
        this.clientProperties = clientProperties;
        this.started = started;
    }

    static LocalPipeline start(String device, int metricsPort, PrintStream out) throws Exception {
        return start(device, metricsPort, 0, out);
    }

    /**
     * @param metricsPort   the GPU workers' HTTP port (/health, /ready, /metrics): 0 any, -1 none
     * @param dashboardPort the dashboard's port: 0 any
     */
    static LocalPipeline start(String device, int metricsPort, int dashboardPort, PrintStream out) throws Exception {
        return start(device, metricsPort, dashboardPort, Map.of(), out);
    }

    /** @param gpuSettings gpu-workers keys set on top of the defaults (a benchmark's schedulers) */
    static LocalPipeline start(String device, int metricsPort, int dashboardPort, Map<String, String> gpuSettings, PrintStream out)
            throws Exception {
        return start(device, metricsPort, dashboardPort, gpuSettings, true, out);
    }

    /**
     * @param observers whether to run the Flink evaluator and the dashboard; without them the pipeline is the serving
     *                  path alone (broker, registry, pools, orchestrators) and {@link #dashboard} is null
     */
    static LocalPipeline start(String device, int metricsPort, int dashboardPort, Map<String, String> gpuSettings, boolean observers,
                               PrintStream out) throws Exception {
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            Path bundle = BundleLocator.locate().orElseThrow(() -> new IllegalStateException(
                    "no model bundle: set DDT_BUNDLE or run from a checkout with " + BundleLocator.COMMITTED));
            EmbeddedStack stack = push(started, EmbeddedStack.start(2));
            out.printf("Kafka     %s%nRegistry  %s%nFlink     %s%nStart-up  %s%n", stack.bootstrapServers(),
                    stack.schemaRegistryUrl(), stack.flink().restAddress(), stack.startupSummary());
            Map<String, Object> client = new LinkedHashMap<>();
            client.put("bootstrap.servers", stack.bootstrapServers());
            client.put("schema.registry.url", stack.schemaRegistryUrl());
            Provisioning.createTopics(client, 2);
            Provisioning.registerSchemas(SchemaRegistryClient.create(stack.schemaRegistryUrl()));

            Path stateDir = Files.createTempDirectory("ddt-streams");
            started.push(() -> deleteTree(stateDir));
            Properties p = new Properties();
            p.setProperty("kafka.bootstrap.servers", stack.bootstrapServers());
            p.setProperty("schema.registry.url", stack.schemaRegistryUrl());
            p.setProperty("bundle", bundle.toString());
            long t0 = System.nanoTime();
            Properties gpu = new Properties();
            gpu.putAll(p);
            gpu.setProperty("device", device);
            gpu.setProperty("http.port", Integer.toString(metricsPort));
            gpu.putAll(gpuSettings);
            GpuWorkers workers = push(started, GpuWorkers.start(GpuWorkersConfig.from(gpu, Map.of())));
            p.setProperty("state.dir", stateDir.toString());
            // one instance of each app here: a standby replica of its store would have nowhere to run
            p.setProperty("kafka.num.standby.replicas", "0");
            OrchestratorApp generator = push(started, GeneratorApp.start(OrchestratorConfig.from(p, Map.of(), "generator")));
            OrchestratorApp captioner = push(started, CaptionerApp.start(OrchestratorConfig.from(p, Map.of(), "captioner")));
            OrchestratorApp tokenizer = push(started, TokenizerApp.start(OrchestratorConfig.from(p, Map.of(), "tokenizer")));
            Dashboard dashboard = null;
            if (observers) {
                JobClient evaluator = EvaluatorJob.start(stack.flink().environment(), EvaluatorTopics.catalogue(), client,
                        EvaluatorJob.Settings.defaults(), ResultScorer.forWorld(ManifestReader.read(bundle).requireWorld()));
                started.push(() -> evaluator.cancel().get(30, TimeUnit.SECONDS));
                dashboard = push(started, Dashboard.start(client, "127.0.0.1", dashboardPort));
            }
            out.printf("Pipeline  GPU pools (encoder, llama, mmdit), generator, captioner, tokenizer%s up in %.1f s%n",
                    observers ? ", Flink evaluator and dashboard" : " (serving only: no evaluator, no dashboard)",
                    (System.nanoTime() - t0) / 1e9);
            if (dashboard != null) {
                out.printf("Dashboard %s%n", dashboard.url());
            }
            return new LocalPipeline(stack, bundle, workers, generator, captioner, tokenizer, dashboard, client, started);
        } catch (Exception | Error e) {
            closeAll(started);
            throw e;
        }
    }

    private static <T extends AutoCloseable> T push(Deque<AutoCloseable> started, T service) {
        started.push(service);
        return service;
    }

    /** Stops everything started, newest first; a failure to stop one does not keep the others running. */
    private static void closeAll(Deque<AutoCloseable> started) {
        while (!started.isEmpty()) {
            AutoCloseable next = started.pop();
            try {
                next.close();
            } catch (Exception e) {
                log.warn("could not stop {}: {}", next, e.toString());
            }
        }
    }

    @Override
    public void close() {
        closeAll(started);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
