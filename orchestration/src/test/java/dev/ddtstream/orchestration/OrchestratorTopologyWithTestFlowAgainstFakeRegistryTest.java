package dev.ddtstream.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaMode;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.MmditJob;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.events.RequestStatus;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.FakeSchemaRegistry;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The request lifecycle driven record by record by Kafka Streams' {@link TopologyTestDriver}, with
 * a wall clock the test moves: the {@link Orchestrator} topology over a small test flow (GENERATE:
 * LLaMA, then MMDiT; EDIT: encoder first), the committed bundle's templates for admission, and the
 * fake schema registry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrchestratorTopologyWithTestFlowAgainstFakeRegistryTest {

    private static final Duration RETENTION = Duration.ofMinutes(60);

    private FakeSchemaRegistry registry;
    private SchemaRegistryClient client;
    private PromptTemplates templates;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> requests;
    private TestInputTopic<String, SpecificRecord> encoderResults;
    private TestInputTopic<String, SpecificRecord> llamaResults;
    private TestInputTopic<String, SpecificRecord> mmditResults;
    private TestInputTopic<String, SpecificRecord> errorResults;
    private KeyValueStore<String, RequestState> store;
    private long t0;

    @BeforeAll
    void startRegistry() throws Exception {
        registry = FakeSchemaRegistry.start();
        client = SchemaRegistryClient.create(registry.url());
        templates = PromptTemplates.load(BundleLocator.committed().orElseThrow());
    }

    @AfterAll
    void stopRegistry() {
        templates.close();
        registry.close();
    }

    @BeforeEach
    void startDriver() {
        Map<String, Object> serde = Map.of("schema.registry.url", registry.url());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "lifecycle-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        t0 = System.currentTimeMillis();
        driver = new TopologyTestDriver(Orchestrator.topology(new TestFlow(), new RequestValidator(RequestLimits.defaults(), templates),
                client, serde, RETENTION), props, Instant.ofEpochMilli(t0));
        requests = driver.createInputTopic(Topics.REQUESTS.name(), new StringSerializer(), new ByteArraySerializer());
        encoderResults = input(Topics.ENCODER_RESULTS);
        llamaResults = input(Topics.LLAMA_RESULTS);
        mmditResults = input(Topics.MMDIT_RESULTS);
        errorResults = input(Topics.ERROR_RESULTS);
        store = driver.getKeyValueStore(Orchestrator.STORE);
    }

    @AfterEach
    void stopDriver() {
        driver.close();
    }

    @Test
    void aGenerateRequestGoesAcceptedDecodingRenderingDone() {
        request(generate("g", null));
        assertEquals(RequestStatus.DECODING, status("g"));
        LlamaJob job = single(Topics.LLAMA_JOBS);
        assertEquals("g", job.getHeader().getRequestId());

        llamaResults.pipeInput("g", llamaResult("g", RequestKind.GENERATE));
        assertEquals(RequestStatus.RENDERING, status("g"));
        assertEquals(List.of(1, 2, 3), single(Topics.MMDIT_JOBS).getVisualCodes());

        mmditResults.pipeInput("g", mmditResult("g", RequestKind.GENERATE));
        assertEquals(RequestStatus.DONE, status("g"));
        ImageResult image = single(Topics.IMAGE_RESULTS);
        assertEquals(List.of(Stage.LLAMA, Stage.MMDIT), image.getTimings().stream().map(StageTiming::getStage).toList());
        assertTrue(output(Topics.ERROR_RESULTS).isEmpty());
    }

    @Test
    void anEditRequestIsEncodedFirst() {
        request(edit("e", null));
        assertEquals(RequestStatus.ENCODING, status("e"));
        single(Topics.ENCODER_JOBS);
        encoderResults.pipeInput("e", EncoderResult.newBuilder().setRequestId("e").setKind(RequestKind.EDIT)
                .setTokens(List.of(7, 8)).setTiming(timing(Stage.ENCODER)).build());
        assertEquals(RequestStatus.DECODING, status("e"));
        assertEquals(List.of(7, 8), single(Topics.LLAMA_JOBS).getPromptTokens());
    }

    @Test
    void anUnreadableRequestRecordIsAnsweredAndDeadLettered() {
        byte[] garbage = {42, 1, 2};
        requests.pipeInput("junk", garbage);
        ErrorResult error = single(Topics.ERROR_RESULTS);
        assertEquals(ErrorReason.UNDECODABLE_RECORD, error.getReason());
        assertEquals("junk", error.getRequestId());
        DeadLetter letter = single(Topics.DEAD_LETTERS);
        assertEquals(ByteBuffer.wrap(garbage), letter.getValue());
        assertEquals(Topics.REQUESTS.name(), letter.getSourceTopic());

        requests.pipeInput((String) null, garbage);
        assertTrue(output(Topics.ERROR_RESULTS).isEmpty(), "no id to answer");
        assertEquals(1, output(Topics.DEAD_LETTERS).size(), "but the record is dead-lettered");
        assertNull(store.get("junk"));
    }

    @Test
    void aRequestWhoseSchemaTheRegistryCannotGiveIsNotAnsweredButReadAgainByTheReplacedThread() throws Exception {
        FakeSchemaRegistry own = FakeSchemaRegistry.start();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "lifecycle-test-registry-away");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (own; TopologyTestDriver d = new TopologyTestDriver(Orchestrator.topology(new TestFlow(),
                new RequestValidator(RequestLimits.defaults(), templates), SchemaRegistryClient.create(own.url()),
                Map.of("schema.registry.url", own.url()), RETENTION), props, Instant.ofEpochMilli(t0))) {
            TestInputTopic<String, byte[]> in = d.createInputTopic(Topics.REQUESTS.name(), new StringSerializer(), new ByteArraySerializer());
            TestOutputTopic<String, byte[]> errors = d.createOutputTopic(Topics.ERROR_RESULTS.name(), new StringDeserializer(),
                    new ByteArrayDeserializer());
            in.pipeInput("junk", new byte[] {42}); // its answers register the error schemas: they are cached from now on
            assertEquals(1, errors.readValuesToList().size());
            own.close();

            byte[] framed = {0, 0, 0, 0, 99, 2, 'x'}; // magic byte, schema id 99, a body
            RuntimeException e = assertThrows(RuntimeException.class, () -> in.pipeInput("r", framed));
            assertTrue(causes(e).stream().anyMatch(RegistryUnreachableException.class::isInstance), "the cause: " + e);
            assertTrue(errors.isEmpty(), "a request must not be answered UNDECODABLE_RECORD because the registry is away");
        }
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> out = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            out.add(t);
        }
        return out;
    }

    @Test
    void anInvalidRequestFailsWithItsReasonAndADeadLetter() {
        request(GenerationRequest.newBuilder(generate("bad", null)).setPrompt(" ").build());
        assertEquals(ErrorReason.PROMPT_MISSING, single(Topics.ERROR_RESULTS).getReason());
        assertEquals(ErrorReason.PROMPT_MISSING, single(Topics.DEAD_LETTERS).getReason());
        assertEquals(RequestStatus.FAILED, status("bad"));
        assertTrue(output(Topics.LLAMA_JOBS).isEmpty());
    }

    @Test
    void aDuplicateRequestIdIsNotAdmittedAgain() {
        request(generate("d", null));
        single(Topics.LLAMA_JOBS);
        request(generate("d", null));
        assertTrue(output(Topics.LLAMA_JOBS).isEmpty(), "no second job");
        assertTrue(output(Topics.ERROR_RESULTS).isEmpty(), "and no answer to the duplicate");
    }

    @Test
    void aDeadlinePassedAtAdmissionIsAnsweredWithoutADeadLetter() {
        request(generate("late", t0 - 1));
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, single(Topics.ERROR_RESULTS).getReason());
        assertTrue(output(Topics.DEAD_LETTERS).isEmpty(), "a missed deadline is no fault of the record");
        assertTrue(output(Topics.LLAMA_JOBS).isEmpty());
    }

    @Test
    void aDeadlineIsCheckedAtEveryHop() {
        request(edit("e1", t0 + 5_000));
        request(edit("e2", t0 + 20_000));
        request(generate("g3", t0 + 35_000));
        drain(Topics.ENCODER_JOBS);
        drain(Topics.LLAMA_JOBS);

        driver.advanceWallClockTime(Duration.ofSeconds(10));
        encoderResults.pipeInput("e1", EncoderResult.newBuilder().setRequestId("e1").setKind(RequestKind.EDIT)
                .setTokens(List.of(1)).setTiming(timing(Stage.ENCODER)).build());
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, single(Topics.ERROR_RESULTS).getReason(), "after the encoder");

        encoderResults.pipeInput("e2", EncoderResult.newBuilder().setRequestId("e2").setKind(RequestKind.EDIT)
                .setTokens(List.of(1)).setTiming(timing(Stage.ENCODER)).build());
        single(Topics.LLAMA_JOBS);
        driver.advanceWallClockTime(Duration.ofSeconds(15));
        llamaResults.pipeInput("e2", llamaResult("e2", RequestKind.EDIT));
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, single(Topics.ERROR_RESULTS).getReason(), "after the LLaMA stage");

        llamaResults.pipeInput("g3", llamaResult("g3", RequestKind.GENERATE));
        single(Topics.MMDIT_JOBS);
        driver.advanceWallClockTime(Duration.ofSeconds(15));
        mmditResults.pipeInput("g3", mmditResult("g3", RequestKind.GENERATE));
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, single(Topics.ERROR_RESULTS).getReason(), "after the MMDiT stage");
        assertTrue(output(Topics.IMAGE_RESULTS).isEmpty());
        for (String id : List.of("e1", "e2", "g3")) {
            assertEquals(RequestStatus.FAILED, status(id), id);
        }
    }

    @Test
    void aStageResultForARequestThatMovedOnIsIgnoredAndCounted() {
        request(generate("m", null));
        drain(Topics.LLAMA_JOBS);
        llamaResults.pipeInput("m", llamaResult("m", RequestKind.GENERATE));
        single(Topics.MMDIT_JOBS);
        llamaResults.pipeInput("m", llamaResult("m", RequestKind.GENERATE));
        assertTrue(output(Topics.MMDIT_JOBS).isEmpty(), "a repeated LLaMA result starts no second render");
        assertEquals(RequestStatus.RENDERING, status("m"));

        mmditResults.pipeInput("m", mmditResult("m", RequestKind.GENERATE));
        single(Topics.IMAGE_RESULTS);
        mmditResults.pipeInput("m", mmditResult("m", RequestKind.GENERATE));
        assertTrue(output(Topics.IMAGE_RESULTS).isEmpty(), "a terminal result is published once");
        assertEquals(2.0, staleResults());
    }

    @Test
    void aStageErrorEndsTheRequestAndLaterResultsAreIgnored() {
        request(generate("x", null));
        drain(Topics.LLAMA_JOBS);
        errorResults.pipeInput("x", ErrorResult.newBuilder().setRequestId("x").setKind(RequestKind.GENERATE)
                .setReason(ErrorReason.BAD_TOKENS).setMessage("m").setStage(Stage.LLAMA).setFailedAtMs(t0).build());
        assertEquals(RequestStatus.FAILED, status("x"));
        assertEquals(ErrorReason.BAD_TOKENS, store.get("x").getFailure());
        llamaResults.pipeInput("x", llamaResult("x", RequestKind.GENERATE));
        assertTrue(output(Topics.MMDIT_JOBS).isEmpty());
    }

    @Test
    void answeredRequestsAreForgottenAfterTheRetention() {
        request(generate("old", null));
        request(generate("open", null));
        drain(Topics.LLAMA_JOBS);
        errorResults.pipeInput("old", ErrorResult.newBuilder().setRequestId("old").setKind(RequestKind.GENERATE)
                .setReason(ErrorReason.BAD_TOKENS).setMessage("m").setStage(Stage.LLAMA).setFailedAtMs(t0).build());
        driver.advanceWallClockTime(RETENTION.minusMinutes(1));
        assertNotNull(store.get("old"), "still remembered within the retention");
        driver.advanceWallClockTime(Duration.ofMinutes(2));
        assertNull(store.get("old"), "forgotten after it");
        assertNotNull(store.get("open"), "a request still in flight is never forgotten");
        request(generate("old", null));
        assertEquals(1, output(Topics.LLAMA_JOBS).size(), "so the id is admitted anew");
    }

    // --- helpers

    private TestInputTopic<String, SpecificRecord> input(Topic<?> topic) {
        return driver.createInputTopic(topic.name(), new StringSerializer(), new ConfluentAvroSerializer<>(client));
    }

    private <V extends SpecificRecord> List<V> output(Topic<V> topic) {
        TestOutputTopic<String, V> out = driver.createOutputTopic(topic.name(), new StringDeserializer(),
                new ConfluentAvroDeserializer<>(client, topic.valueType()));
        return out.readValuesToList();
    }

    private <V extends SpecificRecord> V single(Topic<V> topic) {
        List<V> all = output(topic);
        assertEquals(1, all.size(), topic + ": " + all);
        return all.get(0);
    }

    private void drain(Topic<?> topic) {
        output(topic);
    }

    private void request(GenerationRequest r) {
        requests.pipeInput(r.getRequestId(), new ConfluentAvroSerializer<GenerationRequest>(client).serialize(Topics.REQUESTS.name(), r));
    }

    private RequestStatus status(String id) {
        return store.get(id).getStatus();
    }

    private double staleResults() {
        return driver.metrics().entrySet().stream().filter(e -> e.getKey().name().equals(RequestLifecycle.STALE_RESULTS))
                .map(Map.Entry::getValue).map(Metric::metricValue).mapToDouble(v -> (Double) v).sum();
    }

    private GenerationRequest generate(String id, Long deadline) {
        return GenerationRequest.newBuilder().setRequestId(id).setKind(RequestKind.GENERATE).setPrompt("two red circles")
                .setSeed(1).setDeadlineMs(deadline).setCreatedAtMs(t0).build();
    }

    private GenerationRequest edit(String id, Long deadline) {
        return GenerationRequest.newBuilder(generate(id, deadline)).setKind(RequestKind.EDIT).setPrompt("make it blue")
                .setImage(ByteBuffer.wrap(pngHeaderOf1x1())).build();
    }

    private LlamaResult llamaResult(String id, RequestKind kind) {
        return LlamaResult.newBuilder().setRequestId(id).setKind(kind).setMode(LlamaMode.IMAGE).setGeneratedTokens(List.of(1, 2, 3))
                .setVisualCodes(List.of(1, 2, 3)).setTiming(timing(Stage.LLAMA)).build();
    }

    private MmditResult mmditResult(String id, RequestKind kind) {
        return MmditResult.newBuilder().setRequestId(id).setKind(kind).setPng(ByteBuffer.wrap(new byte[] {1}))
                .setWidth(32).setHeight(32).setTiming(timing(Stage.MMDIT)).build();
    }

    private StageTiming timing(Stage stage) {
        return new StageTiming(stage, "w", t0, t0, t0, 1);
    }

    /** A real 1x1 PNG, so that admission's header check passes. */
    private static byte[] pngHeaderOf1x1() {
        return Base64.getDecoder().decode(
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
    }

    /** GENERATE: LLaMA, then MMDiT, then the image. EDIT: the encoder first, its codes as the LLaMA prompt. */
    private static final class TestFlow implements Flow {

        @Override
        public String name() {
            return "test";
        }

        @Override
        public boolean handles(RequestKind kind) {
            return kind == RequestKind.GENERATE || kind == RequestKind.EDIT;
        }

        @Override
        public boolean answersUnreadable() {
            return true;
        }

        @Override
        public boolean rendersImages() {
            return true;
        }

        @Override
        public Step admit(GenerationRequest r, RequestState s) {
            if (r.getKind() == RequestKind.EDIT) {
                return new Step(new EncoderJob(r.getImage(), JobHeaders.of(s)), RequestStatus.ENCODING);
            }
            return decode(s, List.of(1));
        }

        @Override
        public Step encoded(RequestState s, EncoderResult r) {
            return decode(s, r.getTokens());
        }

        private Step decode(RequestState s, List<Integer> prompt) {
            return new Step(new LlamaJob(LlamaMode.IMAGE, prompt, null, new SamplingParams(0f, 0, 1f, 0f, null), s.getSeed(),
                    JobHeaders.of(s)), RequestStatus.DECODING);
        }

        @Override
        public Step decoded(RequestState s, LlamaResult r) {
            return new Step(new MmditJob(r.getVisualCodes(), s.getSeed(), JobHeaders.of(s), null), RequestStatus.RENDERING);
        }

        @Override
        public Step rendered(RequestState s, MmditResult r) {
            return new Step(ImageResult.newBuilder().setRequestId(s.getRequestId()).setKind(s.getKind()).setPrompt(s.getPrompt())
                    .setPng(r.getPng()).setWidth(r.getWidth()).setHeight(r.getHeight()).setVisualCodes(List.of())
                    .setSeed(s.getSeed()).setTimings(s.getTimings()).setCreatedAtMs(s.getCreatedAtMs())
                    .setCompletedAtMs(s.getUpdatedAtMs()).build(), RequestStatus.DONE);
        }
    }
}
