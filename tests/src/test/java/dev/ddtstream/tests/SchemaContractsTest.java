package dev.ddtstream.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.infra.net.FreePorts;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.IncompatibleSchemaException;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaNotFoundException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import dev.ddtstream.schemas.wire.ConfluentWireFormat;
import dev.ddtstream.schemas.wire.TruncatedPayloadException;
import dev.ddtstream.schemas.wire.UnknownMagicByteException;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Avro contracts on the real registry and the real broker of the {@link TestEnvironment}. */
@ExtendWith(TestEnvironmentExtension.class)
class SchemaContractsTest {

    @Test
    void everyEventTypeRegistersAndRoundTripsThroughTheBroker(TestEnvironment env) throws Exception {
        SchemaRegistryClient registry = SchemaRegistryClient.create(env.schemaRegistryUrl());
        Provisioning.createTopics(env.clientProperties(), 1);
        assertEquals(List.of(), Provisioning.createTopics(env.clientProperties(), 1), "topic creation is idempotent");
        Map<String, Integer> ids = Provisioning.registerSchemas(registry);
        assertEquals(Topics.ALL.size(), ids.size());
        // A fresh client has nothing cached: what it reads is what the registry serves.
        SchemaRegistryClient reader = SchemaRegistryClient.create(env.schemaRegistryUrl());
        for (Topic<?> topic : Topics.ALL) {
            int id = ids.get(topic.valueSubject());
            assertEquals(topic.valueSchema(), reader.getById(id), "schema read back by id for " + topic);
            assertEquals(id, registry.lookup(topic.valueSubject(), topic.valueSchema()));
        }
        assertEquals(ids, Provisioning.registerSchemas(registry), "registration is idempotent");

        String run = TestEnvironment.unique("contracts");
        for (Topic<?> topic : Topics.ALL) {
            roundTrip(env, registry, topic, run + "." + topic.name());
        }
    }

    private static <V extends SpecificRecord> void roundTrip(TestEnvironment env, SchemaRegistryClient registry,
                                                             Topic<V> topic, String topicName) throws Exception {
        env.createTopics(List.of(topicName), 1);
        List<V> sent = List.of(SampleRecords.of(topic.valueType(), 1), SampleRecords.of(topic.valueType(), 2));
        assertNotEquals(sent.get(0), sent.get(1));
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(env.clientProperties(Map.of()),
                new StringSerializer(), new ConfluentAvroSerializer<>(registry))) {
            for (int i = 0; i < sent.size(); i++) {
                producer.send(new ProducerRecord<>(topicName, "key-" + i, sent.get(i))).get();
            }
        }
        List<ConsumerRecord<String, byte[]>> raw = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(env.clientProperties(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, TestEnvironment.unique("g"),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topicName));
            long deadline = System.currentTimeMillis() + 30_000;
            while (raw.size() < sent.size() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(raw::add);
            }
        }
        assertEquals(sent.size(), raw.size(), "records read back from " + topicName);

        // The consumer side is another client, as in another process: it must fetch the writer schema.
        SchemaRegistryClient consumerSide = SchemaRegistryClient.create(env.schemaRegistryUrl());
        ConfluentAvroDeserializer<V> deserializer = new ConfluentAvroDeserializer<>(consumerSide, topic.valueType());
        for (int i = 0; i < sent.size(); i++) {
            byte[] frame = raw.get(i).value();
            assertEquals(ConfluentWireFormat.MAGIC_BYTE, frame[0], "Confluent framing on " + topicName);
            int id = ConfluentWireFormat.schemaId(frame, topicName);
            assertEquals(topic.valueSchema(), consumerSide.getById(id));
            assertEquals(sent.get(i), deserializer.deserialize(topicName, frame), topic + " round trip");
        }
        assertEquals(List.of(1), registry.versions(topicName + "-value"), "TopicNameStrategy subject of " + topicName);
    }

    @Test
    void registryRefusesABackwardIncompatibleChangeAndAcceptsACompatibleOne(TestEnvironment env) {
        SchemaRegistryClient registry = SchemaRegistryClient.create(env.schemaRegistryUrl());
        String subject = TestEnvironment.unique("evolution") + "-value";
        Schema v1 = GenerationRequest.getClassSchema();
        registry.register(subject, v1);

        // A new required field: readers on v2 cannot read v1 data, which BACKWARD forbids.
        Schema breaking = withField(v1, new Schema.Field("priority", Schema.create(Schema.Type.INT), "no default"));
        assertFalse(registry.isCompatible(subject, breaking));
        assertThrows(IncompatibleSchemaException.class, () -> registry.register(subject, breaking));
        assertEquals(List.of(1), registry.versions(subject));

        // The same field with a default is a compatible evolution.
        Schema compatible = withField(v1, new Schema.Field("priority", Schema.create(Schema.Type.INT), "with default", 0));
        assertTrue(registry.isCompatible(subject, compatible));
        registry.register(subject, compatible);
        assertEquals(List.of(1, 2), registry.versions(subject));
    }

    private static Schema withField(Schema base, Schema.Field extra) {
        List<Schema.Field> fields = new ArrayList<>();
        base.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(extra);
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    @Test
    void badFramesGiveTypedErrorsAgainstTheRealRegistry(TestEnvironment env) {
        SchemaRegistryClient registry = SchemaRegistryClient.create(env.schemaRegistryUrl());
        ConfluentAvroDeserializer<GenerationRequest> deserializer =
                new ConfluentAvroDeserializer<>(registry, GenerationRequest.class);
        String topic = "bad-frames";

        byte[] unknownId = ByteBuffer.allocate(9).put((byte) 0).putInt(987_654_321).putInt(0).array();
        assertThrows(SchemaNotFoundException.class, () -> deserializer.deserialize(topic, unknownId));

        byte[] good = new ConfluentAvroSerializer<GenerationRequest>(registry)
                .serialize(TestEnvironment.unique(topic), SampleRecords.of(GenerationRequest.class, 7));
        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 1;
        assertThrows(UnknownMagicByteException.class, () -> deserializer.deserialize(topic, wrongMagic));
        assertThrows(TruncatedPayloadException.class, () -> deserializer.deserialize(topic, Arrays.copyOf(good, 3)));
        assertThrows(TruncatedPayloadException.class,
                () -> deserializer.deserialize(topic, Arrays.copyOf(good, good.length / 2)));

        SchemaRegistryClient unreachable = SchemaRegistryClient.create("http://127.0.0.1:" + FreePorts.pick());
        ConfluentAvroDeserializer<GenerationRequest> cut =
                new ConfluentAvroDeserializer<>(unreachable, GenerationRequest.class);
        assertThrows(RegistryUnreachableException.class, () -> cut.deserialize(topic, good));
    }
}
