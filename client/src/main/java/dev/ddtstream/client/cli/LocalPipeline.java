package dev.ddtstream.client.cli;

import dev.ddtstream.captioner.CaptionerApp;
import dev.ddtstream.dashboard.Dashboard;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;

/**
 * Everything on this machine: the embedded broker, registry and Flink, the catalogue's topics and
 * schemas, the three GPU pools, the three orchestrators (generator, captioner, tokenizer) and the
 * Flink evaluator job. What {@code ddt demo} and {@code ddt serve} run.
 */
final class LocalPipeline implements AutoCloseable {

    final EmbeddedStack stack;
    final GpuWorkers workers;
    final OrchestratorApp generator;
    final OrchestratorApp captioner;
    final OrchestratorApp tokenizer;
    final JobClient evaluator;
    final Dashboard dashboard;
    final Map<String, Object> clientProperties;
    private final Path stateDir;

    private LocalPipeline(EmbeddedStack stack, GpuWorkers workers, OrchestratorApp generator, OrchestratorApp captioner,
                          OrchestratorApp tokenizer, JobClient evaluator, Dashboard dashboard, Map<String, Object> clientProperties,
                          Path stateDir) {
        this.stack = stack;
        this.workers = workers;
        this.generator = generator;
        this.captioner = captioner;
        this.tokenizer = tokenizer;
        this.evaluator = evaluator;
        this.dashboard = dashboard;
        this.clientProperties = clientProperties;
        this.stateDir = stateDir;
    }

    static LocalPipeline start(String device, int metricsPort, PrintStream out) throws Exception {
        return start(device, metricsPort, 0, out);
    }

    static LocalPipeline start(String device, int metricsPort, int dashboardPort, PrintStream out) throws Exception {
        EmbeddedStack stack = EmbeddedStack.start(2);
        GpuWorkers workers = null;
        OrchestratorApp generator = null;
        OrchestratorApp captioner = null;
        Path stateDir = Files.createTempDirectory("ddt-streams");
        try {
            out.printf("Kafka     %s%nRegistry  %s%nFlink     %s%nStart-up  %s%n", stack.bootstrapServers(),
                    stack.schemaRegistryUrl(), stack.flink().restAddress(), stack.startupSummary());
            Map<String, Object> client = new LinkedHashMap<>();
            client.put("bootstrap.servers", stack.bootstrapServers());
            client.put("schema.registry.url", stack.schemaRegistryUrl());
            Provisioning.createTopics(client, 2);
            Provisioning.registerSchemas(SchemaRegistryClient.create(stack.schemaRegistryUrl()));

            Properties p = new Properties();
            p.setProperty("kafka.bootstrap.servers", stack.bootstrapServers());
            p.setProperty("schema.registry.url", stack.schemaRegistryUrl());
            p.setProperty("device", device);
            p.setProperty("metrics.port", Integer.toString(metricsPort));
            p.setProperty("state.dir", stateDir.toString());
            long t0 = System.nanoTime();
            workers = GpuWorkers.start(GpuWorkersConfig.from(p, Map.of()));
            generator = GeneratorApp.start(OrchestratorConfig.from(p, Map.of(), "generator"));
            captioner = CaptionerApp.start(OrchestratorConfig.from(p, Map.of(), "captioner"));
            OrchestratorApp tokenizer = TokenizerApp.start(OrchestratorConfig.from(p, Map.of(), "tokenizer"));
            JobClient evaluator = EvaluatorJob.start(stack.flink().environment(), EvaluatorTopics.catalogue(), client,
                    EvaluatorJob.Settings.defaults());
            Dashboard dashboard = Dashboard.start(client, "127.0.0.1", dashboardPort);
            out.printf("Pipeline  GPU pools (encoder, llama, mmdit), generator, captioner, tokenizer, Flink evaluator and dashboard up in %.1f s%n",
                    (System.nanoTime() - t0) / 1e9);
            out.printf("Dashboard %s%n", dashboard.url());
            return new LocalPipeline(stack, workers, generator, captioner, tokenizer, evaluator, dashboard, client, stateDir);
        } catch (Exception | Error e) {
            if (captioner != null) {
                captioner.close();
            }
            if (generator != null) {
                generator.close();
            }
            if (workers != null) {
                workers.close();
            }
            stack.close();
            deleteTree(stateDir);
            throw e;
        }
    }

    @Override
    public void close() {
        dashboard.close();
        try {
            evaluator.cancel().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            // the cluster stops below anyway
        }
        tokenizer.close();
        captioner.close();
        generator.close();
        workers.close();
        stack.close();
        deleteTree(stateDir);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
