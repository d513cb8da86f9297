package dev.ddtstream.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.GoldenCases;
import dev.ddtstream.captioner.CaptionerApp;
import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.client.api.RequestOptions;
import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.events.Stage;
import dev.ddtstream.generator.GeneratorApp;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.gpu.service.GpuWorkersConfig;
import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import dev.ddtstream.tests.workers.KillSwitch;
import dev.ddtstream.tests.workers.TopicTap;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The LLaMA pool killed inside a transaction while it decodes continuously (captions finishing
 * between the guided image jobs, out of offset order), then started again under the same id:
 * every request still gets exactly one answer, with the golden tokens. Whether the killed worker
 * had committed results above a job still running (served again by its successor, the second
 * stage result ignored by the orchestrators) depends on timing here; ContinuousWorkerKillTest
 * makes it happen on purpose at the stage.
 */
@ExtendWith(TestEnvironmentExtension.class)
class ContinuousDecodingKillTest {

    private static final long WAIT_S = 180;
    /** The transaction inside which the pool dies: after two committed, so results were committed out of order. */
    private static final int KILL_AT = 3;

    private final GoldenCases golden = GoldenCases.read(BundleLocator.committed().orElseThrow());

    @Test
    void aLlamaPoolKilledWhileDecodingContinuouslyStillAnswersEveryRequestOnce(TestEnvironment env) throws Exception {
        Provisioning.createTopics(env.clientProperties(), 2);
        Provisioning.registerSchemas(SchemaRegistryClient.create(env.schemaRegistryUrl()));
        String run = TestEnvironment.unique("cont");
        Properties p = new Properties();
        env.clientProperties().forEach((k, v) -> p.setProperty("kafka." + k, String.valueOf(v)));
        p.setProperty("schema.registry.url", env.schemaRegistryUrl());
        p.setProperty("device", "cpu");
        p.setProperty("ort.intra-op-threads", "1");
        p.setProperty("http.port", "-1");
        p.setProperty("instance", run);
        p.setProperty("llama.scheduler", "continuous");
        p.setProperty("llama.batch.max-size", "4");

        KillSwitch killInside = new KillSwitch(Stage.LLAMA, (transaction, before, jobs) -> transaction == KILL_AT);

        Properties orchestrators = (Properties) p.clone();
        orchestrators.remove("instance");
        orchestrators.setProperty("http.port", "0");
        orchestrators.setProperty("state.dir", Files.createTempDirectory("ddt-continuous-kill").toString());
        GoldenCases.Generation g = golden.generate();
        List<GoldenCases.Caption> captions = golden.captions();
        try (GpuWorkers others = GpuWorkers.start(config(p, "encoder,mmdit"));
             OrchestratorApp generator = GeneratorApp.start(OrchestratorConfig.from(orchestrators, Map.of(), "generator"));
             OrchestratorApp captioner = CaptionerApp.start(OrchestratorConfig.from(orchestrators, Map.of(), "captioner"));
             DdtClient client = DdtClient.connect(env.clientPropertiesWithRegistry())) {
            GpuWorkers llama = GpuWorkers.start(config(p, "llama"), killInside, failure -> { });
            killInside.arm(llama);
            RequestOptions greedy = RequestOptions.defaults().withSampling(new SamplingParams(0f, 0, 1f, (float) g.cfgScale(), null));
            List<CompletableFuture<ImageResult>> images = new ArrayList<>();
            List<CompletableFuture<CaptionResult>> texts = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                images.add(client.generate(g.text(), greedy.withSeed(i)));
                for (GoldenCases.Caption c : captions) {
                    texts.add(client.caption(c.image().png(), c.question(), RequestOptions.defaults()));
                }
            }
            killInside.awaitKilled(Duration.ofSeconds(WAIT_S));
            llama.close();
            try (GpuWorkers restarted = GpuWorkers.start(config(p, "llama"))) {
                Set<String> ids = new HashSet<>();
                for (CompletableFuture<ImageResult> f : images) {
                    ImageResult r = f.get(WAIT_S, TimeUnit.SECONDS);
                    assertArrayEquals(g.codes(), r.getVisualCodes().stream().mapToInt(Integer::intValue).toArray(),
                            "greedy GENERATE " + r.getRequestId() + " has the golden codes");
                    ids.add(r.getRequestId());
                }
                for (int i = 0; i < texts.size(); i++) {
                    CaptionResult r = texts.get(i).get(WAIT_S, TimeUnit.SECONDS);
                    assertEquals(captions.get(i % captions.size()).text(), r.getText(), "caption " + r.getRequestId());
                    ids.add(r.getRequestId());
                }
                PipelineTest.assertAnsweredOnce(env, ids);
                Map<String, List<LlamaResult>> stageResults = TopicTap.read(env, Topics.LLAMA_RESULTS, ids, true,
                        TopicTap.all(ids), Duration.ofSeconds(30));
                long servedTwice = stageResults.values().stream().filter(list -> list.size() > 1).count();
                System.out.printf("continuous kill: %d requests, killed in LLaMA transaction %d, %d served again after the restart%n",
                        ids.size(), KILL_AT, servedTwice);
                assertTrue(killInside.killedJobs() >= 0, "the pool was killed inside LLaMA transaction " + KILL_AT);
            }
        }
    }

    private static GpuWorkersConfig config(Properties base, String stages) {
        Properties p = (Properties) base.clone();
        p.setProperty("stages", stages);
        return GpuWorkersConfig.from(p, Map.of());
    }
}
