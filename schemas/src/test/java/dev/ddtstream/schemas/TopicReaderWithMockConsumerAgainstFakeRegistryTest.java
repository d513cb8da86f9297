package dev.ddtstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.Stage;
import dev.ddtstream.schemas.registry.FakeSchemaRegistry;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import dev.ddtstream.schemas.wire.UnknownMagicByteException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reader's dispatch by topic, with Kafka's MockConsumer for the broker and the fake registry. */
class TopicReaderWithMockConsumerAgainstFakeRegistryTest {

    private FakeSchemaRegistry registry;
    private SchemaRegistryClient client;
    private MockConsumer<String, byte[]> consumer;
    private TopicReader reader;

    @BeforeEach
    void start() throws Exception {
        registry = FakeSchemaRegistry.start();
        client = SchemaRegistryClient.create(registry.url());
        consumer = new MockConsumer<>("earliest");
        reader = TopicReader.over(consumer, client, List.of(Topics.CAPTION_RESULTS, Topics.ERROR_RESULTS));
        List<TopicPartition> parts = List.of(new TopicPartition(Topics.CAPTION_RESULTS.name(), 0),
                new TopicPartition(Topics.ERROR_RESULTS.name(), 0), new TopicPartition(Topics.IMAGE_RESULTS.name(), 0));
        consumer.assign(parts);
        consumer.updateBeginningOffsets(Map.of(parts.get(0), 0L, parts.get(1), 0L, parts.get(2), 0L));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void decodesEachRecordByItsTopicsType() {
        add(Topics.CAPTION_RESULTS, "c", CaptionResult.newBuilder().setRequestId("c").setText("a red circle")
                .setCreatedAtMs(1).setCompletedAtMs(2).build());
        add(Topics.ERROR_RESULTS, "e", ErrorResult.newBuilder().setRequestId("e").setReason(ErrorReason.BAD_TOKENS)
                .setMessage("m").setStage(Stage.LLAMA).setFailedAtMs(3).build());
        Map<String, TopicReader.Received> got = byKey(reader.poll(Duration.ZERO));
        assertEquals(2, got.size());
        assertEquals("a red circle", got.get("c").value(Topics.CAPTION_RESULTS).getText());
        assertEquals(ErrorReason.BAD_TOKENS, got.get("e").value(Topics.ERROR_RESULTS).getReason());
        assertThrows(IllegalStateException.class, () -> got.get("e").value(Topics.CAPTION_RESULTS),
                "an error result is never read as a caption");
    }

    @Test
    void anUnreadableRecordComesBackWithItsErrorAndTheNextStillReads() {
        consumer.addRecord(new ConsumerRecord<>(Topics.CAPTION_RESULTS.name(), 0, 0, "bad", new byte[] {9, 0, 0, 0, 1, 2}));
        add(Topics.CAPTION_RESULTS, "good", CaptionResult.newBuilder().setRequestId("good").setText("t")
                .setCreatedAtMs(1).setCompletedAtMs(2).build());
        Map<String, TopicReader.Received> got = byKey(reader.poll(Duration.ZERO));
        assertFalse(got.get("bad").readable());
        assertInstanceOf(UnknownMagicByteException.class, got.get("bad").error());
        assertThrows(UnknownMagicByteException.class, () -> got.get("bad").value(Topics.CAPTION_RESULTS));
        assertTrue(got.get("good").readable());
    }

    @Test
    void refusesARecordOfATopicItWasNotBuiltFor() {
        consumer.addRecord(new ConsumerRecord<>(Topics.IMAGE_RESULTS.name(), 0, 0, "i", new byte[] {0, 0, 0, 0, 1}));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> reader.poll(Duration.ZERO));
        assertTrue(e.getMessage().contains(Topics.IMAGE_RESULTS.name()), e.getMessage());
    }

    private long nextOffset = 1;

    private static Map<String, TopicReader.Received> byKey(List<TopicReader.Received> records) {
        return records.stream().collect(Collectors.toMap(TopicReader.Received::key, r -> r));
    }

    private <V extends SpecificRecord> void add(Topic<V> topic, String key, V value) {
        byte[] bytes = new ConfluentAvroSerializer<V>(client).serialize(topic.name(), value);
        consumer.addRecord(new ConsumerRecord<>(topic.name(), 0, nextOffset++, key, bytes));
    }
}
