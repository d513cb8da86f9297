package dev.ddtstream.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.GoldenCases;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.bundle.RgbImages;
import dev.ddtstream.captioner.CaptionerApp;
import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.client.api.RequestFailedException;
import dev.ddtstream.client.api.RequestOptions;
import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.TokenResult;
import dev.ddtstream.generator.GeneratorApp;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.gpu.service.GpuWorkersConfig;
import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import dev.ddtstream.schemas.PayloadLimit;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import dev.ddtstream.tests.workers.TopicTap;
import dev.ddtstream.tokenizer.TokenizerApp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole pipeline on the real broker and registry: both orchestrators (Kafka Streams,
 * exactly_once_v2), the three GPU pools with the committed ONNX bundle, and the client library.
 */
@ExtendWith(TestEnvironmentExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineTest {

    private static final long WAIT_S = 120;
    private final GoldenCases golden = GoldenCases.read(BundleLocator.committed().orElseThrow());
    private GpuWorkers workers;
    private OrchestratorApp generator;
    private OrchestratorApp captioner;
    private OrchestratorApp tokenizer;
    private DdtClient client;
    private Path stateDir;

    @BeforeAll
    void startPipeline(TestEnvironment env) throws Exception {
        Provisioning.createTopics(env.clientProperties(), 2);
        Provisioning.registerSchemas(SchemaRegistryClient.create(env.schemaRegistryUrl()));
        stateDir = Files.createTempDirectory("ddt-pipeline-test");
        Properties p = new Properties();
        env.clientProperties().forEach((k, v) -> p.setProperty("kafka." + k, String.valueOf(v)));
        p.setProperty("schema.registry.url", env.schemaRegistryUrl());
        p.setProperty("device", "cpu");
        p.setProperty("ort.intra-op-threads", "1");
        p.setProperty("http.port", "-1");
        p.setProperty("instance", TestEnvironment.unique("pipeline"));
        workers = GpuWorkers.start(GpuWorkersConfig.from(p, Map.of()));
        p.setProperty("http.port", "0");
        p.remove("instance");
        p.setProperty("state.dir", stateDir.toString());
        generator = GeneratorApp.start(OrchestratorConfig.from(p, Map.of(), "generator"));
        captioner = CaptionerApp.start(OrchestratorConfig.from(p, Map.of(), "captioner"));
        tokenizer = TokenizerApp.start(OrchestratorConfig.from(p, Map.of(), "tokenizer"));
        Map<String, Object> c = env.clientPropertiesWithRegistry();
        client = DdtClient.connect(c);
    }

    @AfterAll
    void stopPipeline() {
        for (AutoCloseable c : new AutoCloseable[] {client, tokenizer, captioner, generator, workers}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    private static SamplingParams greedy(double cfg) {
        return new SamplingParams(0f, 0, 1f, (float) cfg, null);
    }

    @Test
    void generateReproducesTheGoldenTokensThroughKafka(TestEnvironment env) throws Exception {
        GoldenCases.Generation g = golden.generate();
        ImageResult r = client.generate(g.text(), RequestOptions.defaults().withSampling(greedy(g.cfgScale())).withSeed(5))
                .get(WAIT_S, TimeUnit.SECONDS);
        assertArrayEquals(g.codes(), r.getVisualCodes().stream().mapToInt(Integer::intValue).toArray(),
                "same prompt, greedy, same guidance: the golden codes");
        assertPng(r);
        assertEquals(List.of(Stage.LLAMA, Stage.MMDIT), r.getTimings().stream().map(t -> t.getStage()).toList());
        assertAnsweredOnce(env, Set.of(r.getRequestId()));
    }

    @Test
    void aGenerateMayAskForFewerSamplerStepsWithinTheBundles() throws Exception {
        GoldenCases.Generation g = golden.generate();
        RequestOptions greedy = RequestOptions.defaults().withSampling(greedy(g.cfgScale())).withSeed(5);
        CompletableFuture<ImageResult> full = client.generate(g.text(), greedy);
        CompletableFuture<ImageResult> one = client.generate(g.text(), greedy.withSamplerSteps(1));
        CompletableFuture<ImageResult> tooMany = client.generate(g.text(), greedy.withSamplerSteps(ManifestReader.read(BundleLocator.committed().orElseThrow()).sampler().steps() + 1));
        ImageResult a = full.get(WAIT_S, TimeUnit.SECONDS);
        ImageResult b = one.get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(a.getVisualCodes(), b.getVisualCodes(), "the steps change the render only");
        assertPng(b);
        assertFalse(a.getPng().equals(b.getPng()), "one sampler step is not the full render");
        ExecutionException e = assertThrows(ExecutionException.class, () -> tooMany.get(WAIT_S, TimeUnit.SECONDS));
        assertEquals(ErrorReason.SAMPLING_OUT_OF_RANGE, assertInstanceOf(RequestFailedException.class, e.getCause()).error().getReason());
    }

    @Test
    void editReproducesTheGoldenTokensThroughKafka(TestEnvironment env) throws Exception {
        GoldenCases.Edit e = golden.edit();
        ImageResult r = client.edit(e.source().png(), e.instruction(), RequestOptions.defaults().withSampling(greedy(e.cfgScale())))
                .get(WAIT_S, TimeUnit.SECONDS);
        assertArrayEquals(e.codes(), r.getVisualCodes().stream().mapToInt(Integer::intValue).toArray());
        assertPng(r);
        assertEquals(List.of(Stage.ENCODER, Stage.LLAMA, Stage.MMDIT), r.getTimings().stream().map(t -> t.getStage()).toList());
        assertAnsweredOnce(env, Set.of(r.getRequestId()));
    }

    @Test
    void captionsAreTheGoldenTextsForEachQuestion(TestEnvironment env) throws Exception {
        Set<String> ids = new HashSet<>();
        for (GoldenCases.Caption c : golden.captions()) {
            CaptionResult r = client.caption(c.image().png(), c.question(), RequestOptions.defaults()).get(WAIT_S, TimeUnit.SECONDS);
            assertEquals(c.text(), r.getText(), "caption for question '" + c.question() + "'");
            assertFalse(r.getText().isBlank());
            ids.add(r.getRequestId());
        }
        assertAnsweredOnce(env, ids);
    }

    @Test
    void tokenizeGivesTheEncodersGoldenCodes() throws Exception {
        for (GoldenCases.EncodedImage image : golden.encoderImages()) {
            TokenResult r = client.tokenize(image.png(), RequestOptions.defaults()).get(WAIT_S, TimeUnit.SECONDS);
            assertArrayEquals(image.codes(), r.getCodes().stream().mapToInt(Integer::intValue).toArray());
            assertEquals(List.of(Stage.ENCODER), r.getTimings().stream().map(t -> t.getStage()).toList());
        }
    }

    @Test
    void invalidRequestsOfEachKindGetTheirTypedErrorAndTheRestFlows() throws Exception {
        byte[] image = golden.encoderImages().get(0).png();
        byte[] notAnImage = "definitely not a picture".getBytes(StandardCharsets.UTF_8);
        List<Map.Entry<ErrorReason, CompletableFuture<?>>> bad = List.of(
                Map.entry(ErrorReason.PROMPT_MISSING, client.generate("  ", RequestOptions.defaults())),
                Map.entry(ErrorReason.SAMPLING_OUT_OF_RANGE, client.generate("a red circle",
                        RequestOptions.defaults().withSampling(new SamplingParams(99f, 0, 1f, 3f, null)))),
                Map.entry(ErrorReason.IMAGE_MISSING, client.submit(GenerationRequest.newBuilder().setRequestId(TestEnvironment.unique("noimg"))
                        .setKind(RequestKind.EDIT).setPrompt("make it blue").setCreatedAtMs(System.currentTimeMillis()).build())),
                Map.entry(ErrorReason.IMAGE_UNDECODABLE, client.caption(notAnImage, null, RequestOptions.defaults())),
                Map.entry(ErrorReason.PROMPT_TOO_LONG, client.edit(image, "red ".repeat(100), RequestOptions.defaults())),
                Map.entry(ErrorReason.IMAGE_MISSING, client.submit(GenerationRequest.newBuilder().setRequestId(TestEnvironment.unique("tok"))
                        .setKind(RequestKind.TOKENIZE).setCreatedAtMs(System.currentTimeMillis()).build())),
                Map.entry(ErrorReason.IMAGE_UNDECODABLE, client.tokenize(notAnImage, RequestOptions.defaults())));
        CompletableFuture<ImageResult> good = client.generate("a blue square", RequestOptions.defaults().withSeed(11));
        for (Map.Entry<ErrorReason, CompletableFuture<?>> e : bad) {
            ExecutionException x = assertThrows(ExecutionException.class,
                    () -> e.getValue().get(WAIT_S, TimeUnit.SECONDS));
            RequestFailedException failed = assertInstanceOf(RequestFailedException.class, x.getCause());
            assertEquals(e.getKey(), failed.error().getReason(), failed.getMessage());
            assertEquals(Stage.ORCHESTRATION, failed.error().getStage());
        }
        assertPng(good.get(WAIT_S, TimeUnit.SECONDS));
    }

    @Test
    void anImageOverTheBrokersOneMegabyteDefaultIsServedUnderTheDeploymentsPayloadLimit() throws Exception {
        BufferedImage noise = new BufferedImage(700, 700, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(1);
        for (int y = 0; y < noise.getHeight(); y++) {
            for (int x = 0; x < noise.getWidth(); x++) {
                noise.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        byte[] png = RgbImages.png(noise);
        assertTrue(png.length > 1_100_000 && png.length < PayloadLimit.DEFAULT.maxImageBytes(), png.length + " bytes");
        CaptionResult caption = client.caption(png, "", RequestOptions.defaults()).get(WAIT_S, TimeUnit.SECONDS);
        assertFalse(caption.getText().isBlank(), "a caption of the resized image");
    }

    @Test
    void aRequestPastItsDeadlineGetsDeadlineExceeded() throws Exception {
        CompletableFuture<ImageResult> late = client.generate("two red circles", RequestOptions.defaults().withDeadline(Duration.ofMillis(-1)));
        ExecutionException x = assertThrows(ExecutionException.class, () -> late.get(WAIT_S, TimeUnit.SECONDS));
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, assertInstanceOf(RequestFailedException.class, x.getCause()).error().getReason());
    }

    @Test
    void aDuplicateRequestIdIsAnsweredOnceAndItsStatusIsQueryable(TestEnvironment env) throws Exception {
        String id = TestEnvironment.unique("dup");
        GenerationRequest r = GenerationRequest.newBuilder().setRequestId(id).setKind(RequestKind.GENERATE)
                .setPrompt("a green triangle").setSeed(3).setCreatedAtMs(System.currentTimeMillis()).build();
        SpecificRecord first = client.submit(r).get(WAIT_S, TimeUnit.SECONDS);
        assertInstanceOf(ImageResult.class, first);
        // the same id again: the client waits on it, and no second answer may come
        CompletableFuture<SpecificRecord> again = client.submit(r);
        // a marker behind it on the same requests partition: the orchestrator handles the duplicate first and
        // commits it with or before the marker's first job, so once that job is visible a second one for the id would be
        String marker = onSamePartition(env, id);
        assertPng(client.generate("a green triangle", RequestOptions.defaults().withRequestId(marker)).get(WAIT_S, TimeUnit.SECONDS));
        Map<String, List<LlamaJob>> jobs = TopicTap.read(env, Topics.LLAMA_JOBS, Set.of(id, marker), true,
                m -> m.containsKey(marker), Duration.ofSeconds(WAIT_S));
        assertEquals(1, jobs.get(id).size(), "the duplicate was admitted again: " + jobs.get(id));
        assertAnsweredOnce(env, Set.of(id));
        assertFalse(again.isDone(), "a duplicate request id got a second answer: " + again);
        again.cancel(true);

        HttpResponse<String> status = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(generator.httpUrl().orElseThrow() + "/requests/" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, status.statusCode(), status.body());
        assertTrue(status.body().contains("\"status\":\"DONE\"") && status.body().contains("\"LLAMA\",\"MMDIT\""), status.body());
        HttpResponse<String> unknown = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(generator.httpUrl().orElseThrow() + "/requests/nobody-sent-this")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
    }

    /** A fresh request id whose record lands on the same partition of the requests topic as {@code id}'s. */
    private static String onSamePartition(TestEnvironment env, String id) throws Exception {
        int partitions;
        try (Admin admin = Admin.create(env.clientProperties())) {
            partitions = admin.describeTopics(List.of(Topics.REQUESTS.name())).allTopicNames().get()
                    .get(Topics.REQUESTS.name()).partitions().size();
        }
        int target = partition(id, partitions);
        for (int i = 0; ; i++) {
            String candidate = id + "-marker-" + i;
            if (partition(candidate, partitions) == target) {
                return candidate;
            }
        }
    }

    /** The producer's default partition of a keyed record. */
    private static int partition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Reads every terminal-result topic back: each id has exactly one committed answer in all of them together. */
    static void assertAnsweredOnce(TestEnvironment env, Set<String> ids) {
        Map<String, Integer> answers = new HashMap<>();
        for (var topic : List.of(Topics.IMAGE_RESULTS, Topics.CAPTION_RESULTS, Topics.TOKEN_RESULTS, Topics.ERROR_RESULTS)) {
            TopicTap.read(env, topic, ids, true, m -> true, Duration.ofSeconds(3))
                    .forEach((id, list) -> answers.merge(id, list.size(), Integer::sum));
        }
        for (String id : ids) {
            assertEquals(1, answers.getOrDefault(id, 0), "committed answers for " + id + ": " + answers);
        }
    }

    private static void assertPng(ImageResult r) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(Utils.toArray(r.getPng())));
        assertEquals(32, img.getWidth());
        assertEquals(32, img.getHeight());
        assertEquals(32, r.getWidth(), "the result says the size of its PNG");
        assertEquals(32, r.getHeight());
    }
}
