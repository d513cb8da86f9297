package dev.ddtstream.tests.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.BatchOutcome;
import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageEvent;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.gpu.service.GpuWorkersConfig;
import dev.ddtstream.infra.net.ListeningSockets;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The three GPU pools on the real broker and registry with the committed bundle's ONNX graphs:
 * exactly one result per job across a pool killed inside its transaction, and bad jobs refused
 * alone. Both tests use the pools' default consumer groups, so each starts where the last stopped.
 */
@ExtendWith(TestEnvironmentExtension.class)
class WorkerPoolsTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private final StageJobs golden = new StageJobs();

    @Test
    void aPoolKilledInsideItsTransactionRestartsAndEveryJobGetsExactlyOneResult(TestEnvironment env) throws Exception {
        String run = TestEnvironment.unique("eo");
        Provisioning.createTopics(env.clientProperties(), 2);
        Map<String, SpecificRecord> llamaJobs = new LinkedHashMap<>();
        Set<String> greedy = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            // even jobs greedy (the golden setting), odd ones sampled with their own seeds
            String id = run + "-llama-" + i;
            llamaJobs.put(id, golden.generate(id, i % 2 == 0 ? 0f : 1f, 100 + i));
            if (i % 2 == 0) {
                greedy.add(id);
            }
        }
        Map<String, SpecificRecord> encoderJobs = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            String id = run + "-enc-" + i;
            encoderJobs.put(id, StageJobs.encoder(id, golden.encoderImages.get(i % 2), null));
        }
        Map<String, SpecificRecord> mmditJobs = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            String id = run + "-mmdit-" + i;
            mmditJobs.put(id, StageJobs.mmdit(id, golden.generateCodes, 7 + i));
        }
        publish(env, Topics.LLAMA_JOBS, llamaJobs);
        publish(env, Topics.ENCODER_JOBS, encoderJobs);
        publish(env, Topics.MMDIT_JOBS, mmditJobs);

        KillSwitch killFirstLlamaBatch = new KillSwitch(Stage.LLAMA, (transaction, before, jobs) -> true);
        Set<String> llamaIds = llamaJobs.keySet();
        try (GpuWorkers encoderAndMmdit = GpuWorkers.start(config(env, run, "encoder,mmdit", 4, 0))) {
            GpuWorkers llamaWorkers = GpuWorkers.start(config(env, run, "llama", 4, -1), killFirstLlamaBatch, failure -> { });
            killFirstLlamaBatch.arm(llamaWorkers);
            killFirstLlamaBatch.awaitKilled(WAIT);
            llamaWorkers.close();
            // same instance name, so the same transactional id: it fences the killed producer and aborts its transaction
            try (GpuWorkers restarted = GpuWorkers.start(config(env, run, "llama", 4, -1))) {
                TopicTap.read(env, Topics.LLAMA_RESULTS, llamaIds, true, TopicTap.all(llamaIds), WAIT);
            }
            TopicTap.read(env, Topics.ENCODER_RESULTS, encoderJobs.keySet(), true, TopicTap.all(encoderJobs.keySet()), WAIT);
            TopicTap.read(env, Topics.MMDIT_RESULTS, mmditJobs.keySet(), true, TopicTap.all(mmditJobs.keySet()), WAIT);
            String scrape = encoderAndMmdit.scrape();
            assertTrue(scrape.contains("ddt_worker_jobs_total{outcome=\"served\",reason=\"NONE\",stage=\"MMDIT\"}"), scrape);
            String url = encoderAndMmdit.metricsUrl().orElseThrow();
            assertTrue(url.startsWith("http://127.0.0.1:"), url);
            HttpResponse<String> scraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertEquals(200, scraped.statusCode());
            assertTrue(scraped.body().contains("ddt_worker_batch_compute_seconds"), scraped.body());
            int port = URI.create(url).getPort();
            long pid = ProcessHandle.current().pid();
            assertTrue(ListeningSockets.of(pid).stream().anyMatch(a -> a.getPort() == port), "metrics port listening");
            assertTrue(ListeningSockets.beyondLoopback(pid).stream().noneMatch(a -> a.getPort() == port),
                    "metrics port bound to 127.0.0.1 only");
        }

        // the final state, read after every pool stopped
        Map<String, List<LlamaResult>> llama = TopicTap.read(env, Topics.LLAMA_RESULTS, llamaIds, true, TopicTap.all(llamaIds), WAIT);
        Map<String, List<LlamaResult>> llamaRaw = TopicTap.read(env, Topics.LLAMA_RESULTS, llamaIds, false, TopicTap.all(llamaIds), WAIT);
        Map<String, List<EncoderResult>> encoded = TopicTap.read(env, Topics.ENCODER_RESULTS, encoderJobs.keySet(), true,
                TopicTap.all(encoderJobs.keySet()), WAIT);
        Map<String, List<MmditResult>> images = TopicTap.read(env, Topics.MMDIT_RESULTS, mmditJobs.keySet(), true,
                TopicTap.all(mmditJobs.keySet()), WAIT);
        Set<String> all = union(llamaIds, union(encoderJobs.keySet(), mmditJobs.keySet()));
        Map<String, List<ErrorResult>> errors = TopicTap.read(env, Topics.ERROR_RESULTS, all, true, m -> true, Duration.ofSeconds(5));

        assertEquals(4, killFirstLlamaBatch.killedJobs(), "the pool was killed with a full batch in its open transaction");
        assertTrue(countAll(llamaRaw) > llamaIds.size(),
                "the killed batch's results reached the log uncommitted (" + countAll(llamaRaw) + " records)");
        for (String id : llamaIds) {
            assertEquals(1, llama.get(id).size(), "exactly one committed LLaMA result for " + id);
            LlamaResult r = llama.get(id).get(0);
            assertEquals(golden.generateCodes.size(), r.getVisualCodes().size(), "T visual codes");
            if (greedy.contains(id)) {
                assertEquals(golden.generateCodes, r.getVisualCodes(), "greedy job " + id + " reproduces the golden codes");
            }
        }
        for (String id : encoderJobs.keySet()) {
            assertEquals(1, encoded.get(id).size(), "exactly one encoder result for " + id);
            int image = Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) % 2;
            assertEquals(golden.encoderCodes.get(image), encoded.get(id).get(0).getTokens(), "golden encoder codes for " + id);
        }
        for (String id : mmditJobs.keySet()) {
            assertEquals(1, images.get(id).size(), "exactly one image for " + id);
            MmditResult r = images.get(id).get(0);
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(Utils.toArray(r.getPng())));
            assertEquals(32, png.getWidth());
            assertEquals(32, png.getHeight());
        }
        assertTrue(errors.isEmpty(), "no error results: " + errors);

        Map<String, List<StageEvent>> events = TopicTap.read(env, Topics.STAGE_EVENTS, Set.of(run + "-llama-0"), true,
                m -> true, Duration.ofSeconds(5));
        List<String> served = new ArrayList<>();
        events.values().forEach(list -> list.forEach(e -> e.getRequestIds().stream().filter(llamaIds::contains).forEach(served::add)));
        assertEquals(llamaIds.size(), served.size(), "every LLaMA job in exactly one committed stage event: " + served);
        assertEquals(llamaIds, new HashSet<>(served));
    }

    @Test
    void badJobsOfEachStageGetAnErrorAndADeadLetterWhileTheirBatchmatesSucceed(TestEnvironment env) throws Exception {
        String run = TestEnvironment.unique("bad");
        Provisioning.createTopics(env.clientProperties(), 2);
        byte[] image = golden.encoderImages.get(0);
        Map<String, SpecificRecord> encoder = new LinkedHashMap<>();
        encoder.put(run + "-enc-ok", StageJobs.encoder(run + "-enc-ok", image, null));
        encoder.put(run + "-enc-notimage", StageJobs.encoder(run + "-enc-notimage", "not an image".getBytes(StandardCharsets.UTF_8), null));
        encoder.put(run + "-enc-late", StageJobs.encoder(run + "-enc-late", image, System.currentTimeMillis() - 1_000));
        Map<String, SpecificRecord> llama = new LinkedHashMap<>();
        llama.put(run + "-llama-ok", golden.generate(run + "-llama-ok", 0f, 1));
        List<Integer> outOfRange = new ArrayList<>(golden.generatePrompt);
        outOfRange.set(1, 1_000_000);
        llama.put(run + "-llama-token", StageJobs.llama(run + "-llama-token", outOfRange, new SamplingParams(0f, 0, 1f, 0f, null)));
        llama.put(run + "-llama-temp", StageJobs.llama(run + "-llama-temp", golden.generatePrompt, new SamplingParams(-1f, 0, 1f, 0f, null)));
        Map<String, SpecificRecord> mmdit = new LinkedHashMap<>();
        mmdit.put(run + "-mmdit-ok", StageJobs.mmdit(run + "-mmdit-ok", golden.generateCodes, 3));
        List<Integer> badCode = new ArrayList<>(golden.generateCodes);
        badCode.set(0, 5_000);
        mmdit.put(run + "-mmdit-code", StageJobs.mmdit(run + "-mmdit-code", badCode, 3));
        mmdit.put(run + "-mmdit-short", StageJobs.mmdit(run + "-mmdit-short", golden.generateCodes.subList(0, 3), 3));
        publish(env, Topics.ENCODER_JOBS, encoder);
        publish(env, Topics.LLAMA_JOBS, llama);
        publish(env, Topics.MMDIT_JOBS, mmdit);
        String garbage = run + "-enc-garbage";
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(env.clientProperties(Map.of()), new StringSerializer(),
                new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(Topics.ENCODER_JOBS.name(), garbage, new byte[] {7, 1, 2, 3})).get();
        }

        Map<String, ErrorReason> expected = Map.of(
                run + "-enc-notimage", ErrorReason.IMAGE_UNDECODABLE,
                run + "-enc-late", ErrorReason.DEADLINE_EXCEEDED,
                garbage, ErrorReason.UNDECODABLE_RECORD,
                run + "-llama-token", ErrorReason.BAD_TOKENS,
                run + "-llama-temp", ErrorReason.SAMPLING_OUT_OF_RANGE,
                run + "-mmdit-code", ErrorReason.BAD_TOKENS,
                run + "-mmdit-short", ErrorReason.BAD_TOKENS);
        Set<String> good = Set.of(run + "-enc-ok", run + "-llama-ok", run + "-mmdit-ok");
        Map<String, List<ErrorResult>> errors;
        Map<String, List<DeadLetter>> letters;
        // a long wait per batch so each stage's good and bad jobs share one batch
        try (GpuWorkers workers = GpuWorkers.start(config(env, run, "encoder,llama,mmdit", 16, -1, 1_000))) {
            errors = TopicTap.read(env, Topics.ERROR_RESULTS, expected.keySet(), true, TopicTap.all(expected.keySet()), WAIT);
            TopicTap.read(env, Topics.MMDIT_RESULTS, Set.of(run + "-mmdit-ok"), true, TopicTap.all(Set.of(run + "-mmdit-ok")), WAIT);
            assertTrue(workers.pool(Stage.ENCODER).healthy() && workers.pool(Stage.LLAMA).healthy()
                    && workers.pool(Stage.MMDIT).healthy(), "every pool goes on after bad jobs");
        }
        letters = TopicTap.read(env, Topics.DEAD_LETTERS, expected.keySet(), true, m -> m.size() >= expected.size() - 1, WAIT);
        for (Map.Entry<String, ErrorReason> e : expected.entrySet()) {
            List<ErrorResult> got = errors.get(e.getKey());
            assertNotNull(got, "an error result for " + e.getKey());
            assertEquals(1, got.size(), "one error result for " + e.getKey());
            assertEquals(e.getValue(), got.get(0).getReason(), e.getKey() + ": " + got.get(0).getMessage());
            if (e.getValue() == ErrorReason.DEADLINE_EXCEEDED) {
                assertFalse(letters.containsKey(e.getKey()), "a missed deadline is not a dead letter");
            } else {
                assertEquals(1, letters.get(e.getKey()).size(), "one dead letter for " + e.getKey());
                DeadLetter d = letters.get(e.getKey()).get(0);
                assertEquals(e.getValue(), d.getReason());
                assertEquals(sourceTopicOf(e.getKey()), d.getSourceTopic());
                assertNotNull(d.getValue(), "the dead letter keeps the raw job");
            }
        }
        Map<String, List<EncoderResult>> encoded = TopicTap.read(env, Topics.ENCODER_RESULTS, good, true, m -> !m.isEmpty(), WAIT);
        Map<String, List<LlamaResult>> decoded = TopicTap.read(env, Topics.LLAMA_RESULTS, good, true, m -> !m.isEmpty(), WAIT);
        Map<String, List<MmditResult>> rendered = TopicTap.read(env, Topics.MMDIT_RESULTS, good, true, m -> !m.isEmpty(), WAIT);
        assertEquals(golden.encoderCodes.get(0), encoded.get(run + "-enc-ok").get(0).getTokens());
        assertEquals(golden.generateCodes, decoded.get(run + "-llama-ok").get(0).getVisualCodes());
        assertEquals(1, rendered.get(run + "-mmdit-ok").size());
        assertFalse(errors.keySet().stream().anyMatch(good::contains));

        // each stage served its good and bad jobs in one batch, reported as PARTIAL
        Set<String> workersOfRun = Set.of(run + "-encoder-0", run + "-llama-0", run + "-mmdit-0");
        Map<String, List<StageEvent>> events = TopicTap.read(env, Topics.STAGE_EVENTS, workersOfRun, true,
                m -> m.keySet().containsAll(workersOfRun), WAIT);
        for (String okId : good) {
            StageEvent e = events.values().stream().flatMap(List::stream)
                    .filter(ev -> ev.getRequestIds().contains(okId)).findFirst().orElseThrow();
            assertEquals(BatchOutcome.PARTIAL, e.getOutcome(), "batch of " + okId + ": " + e);
            assertTrue(e.getErrorCount() >= 2, "batch of " + okId + " also held bad jobs: " + e);
        }
    }

    private static String sourceTopicOf(String id) {
        return id.contains("-enc-") ? Topics.ENCODER_JOBS.name() : id.contains("-llama-") ? Topics.LLAMA_JOBS.name() : Topics.MMDIT_JOBS.name();
    }

    private static GpuWorkersConfig config(TestEnvironment env, String instance, String stages, int batch, int metricsPort) {
        return config(env, instance, stages, batch, metricsPort, 20);
    }

    private static GpuWorkersConfig config(TestEnvironment env, String instance, String stages, int batch, int metricsPort,
                                           int waitMs) {
        Properties p = new Properties();
        env.clientProperties().forEach((k, v) -> p.setProperty("kafka." + k, String.valueOf(v)));
        p.setProperty("schema.registry.url", env.schemaRegistryUrl());
        p.setProperty("bundle", StageJobs.BUNDLE.toString());
        p.setProperty("device", "cpu");
        p.setProperty("ort.intra-op-threads", "1");
        p.setProperty("stages", stages);
        p.setProperty("instance", instance);
        p.setProperty("http.port", Integer.toString(metricsPort));
        // these tests are about batches: each served and committed as one transaction (ContinuousDecodingKillTest: the loop)
        p.setProperty("llama.scheduler", "static");
        p.setProperty("mmdit.scheduler", "static");
        for (String s : List.of("encoder", "llama", "mmdit")) {
            p.setProperty(s + ".batch.max-size", Integer.toString(batch));
            p.setProperty(s + ".batch.max-wait-ms", Integer.toString(waitMs));
        }
        return GpuWorkersConfig.from(p, Map.of());
    }

    static void publish(TestEnvironment env, Topic<?> topic, Map<String, SpecificRecord> jobs) throws Exception {
        SchemaRegistryClient registry = SchemaRegistryClient.create(env.schemaRegistryUrl());
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(env.clientProperties(Map.of()),
                new StringSerializer(), new ConfluentAvroSerializer<>(registry))) {
            for (Map.Entry<String, SpecificRecord> e : jobs.entrySet()) {
                producer.send(new ProducerRecord<>(topic.name(), e.getKey(), e.getValue()));
            }
            producer.flush();
        }
    }

    private static <V> int countAll(Map<String, List<V>> m) {
        return m.values().stream().mapToInt(List::size).sum();
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }
}
