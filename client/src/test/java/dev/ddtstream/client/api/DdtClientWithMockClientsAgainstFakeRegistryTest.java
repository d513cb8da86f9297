package dev.ddtstream.client.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.Stage;
import dev.ddtstream.schemas.PayloadLimit;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.TopicReader;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.FakeSchemaRegistry;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import dev.ddtstream.schemas.wire.UnknownMagicByteException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's correlation of results with requests, with Kafka's mock producer and consumer and the fake registry. */
class DdtClientWithMockClientsAgainstFakeRegistryTest {

    private FakeSchemaRegistry registry;
    private SchemaRegistryClient schemas;
    private MockProducer<String, GenerationRequest> producer;
    private MockConsumer<String, byte[]> consumer;
    private DdtClient client;
    private final Map<TopicPartition, Long> offsets = new HashMap<>();

    @BeforeEach
    void start() throws Exception {
        registry = FakeSchemaRegistry.start();
        schemas = SchemaRegistryClient.create(registry.url());
        producer = new MockProducer<>(true, null, new StringSerializer(), new ConfluentAvroSerializer<>(schemas));
        consumer = new MockConsumer<>("latest");
        List<TopicPartition> parts = DdtClient.RESULTS.stream().map(t -> new TopicPartition(t.name(), 0)).toList();
        consumer.assign(parts);
        Map<TopicPartition, Long> zero = new HashMap<>();
        parts.forEach(p -> zero.put(p, 0L));
        consumer.updateBeginningOffsets(zero);
        consumer.updateEndOffsets(zero);
        client = new DdtClient(producer, TopicReader.over(consumer, schemas, DdtClient.RESULTS), new PayloadLimit(1_000));
    }

    @AfterEach
    void stop() {
        client.close();
        registry.close();
    }

    @Test
    void publishesTheRequestAndCompletesWithTheResultOfItsId() throws Exception {
        CompletableFuture<CaptionResult> mine = client.caption(new byte[] {1}, "what color", RequestOptions.defaults().withRequestId("mine"));
        GenerationRequest sent = producer.history().get(0).value();
        assertEquals("mine", producer.history().get(0).key());
        assertEquals(RequestKind.CAPTION, sent.getKind());
        assertEquals("what color", sent.getPrompt());
        deliver(Topics.CAPTION_RESULTS, "theirs", caption("theirs", "blue"));
        deliver(Topics.CAPTION_RESULTS, "mine", caption("mine", "red"));
        assertEquals("red", mine.get(10, TimeUnit.SECONDS).getText(), "another client's result is not ours");
    }

    @Test
    void anErrorResultFailsTheFutureWithItsReason() {
        CompletableFuture<?> f = client.generate("two red circles", RequestOptions.defaults().withRequestId("g"));
        deliver(Topics.ERROR_RESULTS, "g", ErrorResult.newBuilder().setRequestId("g").setKind(RequestKind.GENERATE)
                .setReason(ErrorReason.PROMPT_TOO_LONG).setMessage("too long").setStage(Stage.ORCHESTRATION).setFailedAtMs(1).build());
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        RequestFailedException failed = assertInstanceOf(RequestFailedException.class, e.getCause());
        assertEquals(ErrorReason.PROMPT_TOO_LONG, failed.error().getReason());
    }

    @Test
    void anUnreadableResultFailsTheFutureInsteadOfHangingIt() {
        CompletableFuture<?> f = client.tokenize(new byte[] {1}, RequestOptions.defaults().withRequestId("t"));
        TopicPartition p = new TopicPartition(Topics.TOKEN_RESULTS.name(), 0);
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(p.topic(), 0, next(p), "t", new byte[] {7, 0, 0, 0, 1})));
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertInstanceOf(UnknownMagicByteException.class, e.getCause());
    }

    @Test
    void anImageOverThePayloadLimitIsRefusedBeforeItIsSent() {
        CompletableFuture<?> f = client.caption(new byte[1_001], null, RequestOptions.defaults().withRequestId("big"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        PayloadTooLargeException refused = assertInstanceOf(PayloadTooLargeException.class, e.getCause());
        assertTrue(refused.getMessage().contains("1000") && refused.getMessage().contains(PayloadLimit.KEY), refused.getMessage());
        assertEquals(List.of(), producer.history(), "nothing was sent");
        assertFalse(client.caption(new byte[1_000], null, RequestOptions.defaults().withRequestId("fits")).isDone());
    }

    @Test
    void refusesASecondWaitOnTheSameIdAndFailsWhatIsPendingAtClose() {
        CompletableFuture<?> f = client.generate("a circle", RequestOptions.defaults().withRequestId("dup"));
        assertThrows(IllegalArgumentException.class, () -> client.generate("a circle", RequestOptions.defaults().withRequestId("dup")));
        client.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertFalse(f.isCancelled());
    }

    private <V extends SpecificRecord> void deliver(Topic<V> topic, String key, V value) {
        TopicPartition p = new TopicPartition(topic.name(), 0);
        byte[] bytes = new ConfluentAvroSerializer<V>(schemas).serialize(topic.name(), value);
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(p.topic(), 0, next(p), key, bytes)));
    }

    private synchronized long next(TopicPartition p) {
        return offsets.merge(p, 1L, Long::sum) - 1;
    }

    private static CaptionResult caption(String id, String text) {
        return CaptionResult.newBuilder().setRequestId(id).setText(text).setCreatedAtMs(1).setCompletedAtMs(2).build();
    }
}
