package dev.ddtstream.schemas.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.schemas.registry.FakeSchemaRegistry;
import dev.ddtstream.schemas.registry.IncompatibleSchemaException;
import dev.ddtstream.schemas.registry.SchemaNotFoundException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.registry.SubjectNotFoundException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfluentAvroRoundTripTest {

    static final Schema SHIPMENT = SchemaBuilder.record("Shipment").namespace("test.wire").fields()
            .requiredString("id")
            .name("weightKg").type().doubleType().noDefault()
            .name("tags").type().array().items().stringType().noDefault()
            .name("carrier").type().optional().stringType()
            .endRecord();

    FakeSchemaRegistry registry;
    SchemaRegistryClient client;

    @BeforeEach
    void start() throws Exception {
        registry = FakeSchemaRegistry.start();
        client = SchemaRegistryClient.create(registry.url());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    static GenericRecord shipment(String id) {
        GenericRecord record = new GenericData.Record(SHIPMENT);
        record.put("id", id);
        record.put("weightKg", 12.5);
        record.put("tags", List.of("fragile", "express"));
        record.put("carrier", null);
        return record;
    }

    @Test
    void genericRoundTripAgainstFakeRegistry() {
        byte[] bytes = new ConfluentAvroSerializer<GenericRecord>(client).serialize("shipments", shipment("s-1"));

        int id = registry.registerDirectly("shipments-value", SHIPMENT);
        assertEquals(0, bytes[0], "magic byte");
        assertEquals(id, ByteBuffer.wrap(bytes, 1, 4).getInt(), "big-endian schema id");
        GenericRecord back = new ConfluentAvroDeserializer<GenericRecord>(SchemaRegistryClient.create(registry.url()))
                .deserialize("shipments", bytes);
        assertEquals(shipment("s-1"), back);
        assertEquals(SHIPMENT, back.getSchema());
    }

    @Test
    void specificRoundTripAgainstFakeRegistry() {
        TestOrder order = new TestOrder("o-1", 3, "gift wrap");

        byte[] bytes = new ConfluentAvroSerializer<TestOrder>(client).serialize("orders", order);
        TestOrder back = new ConfluentAvroDeserializer<>(SchemaRegistryClient.create(registry.url()), TestOrder.class)
                .deserialize("orders", bytes);

        assertEquals(order, back);
        assertEquals("gift wrap", back.getNote());
        assertEquals(List.of("orders-value"), registry.subjects());
    }

    @Test
    void specificReaderResolvesAnOlderWriterSchemaAgainstFakeRegistry() {
        GenericRecord v1 = new GenericData.Record(TestOrder.V1);
        v1.put("id", "o-2");
        v1.put("quantity", 5);
        byte[] bytes = new ConfluentAvroSerializer<GenericRecord>(client).serialize("orders", v1);

        TestOrder back = new ConfluentAvroDeserializer<>(client, TestOrder.class).deserialize("orders", bytes);

        assertEquals(new TestOrder("o-2", 5, "none"), back, "the missing field takes its default");
    }

    @Test
    void genericReaderSchemaProjectsNewerRecordsAgainstFakeRegistry() {
        byte[] bytes = new ConfluentAvroSerializer<TestOrder>(client).serialize("orders", new TestOrder("o-3", 1, "x"));

        GenericRecord back = new ConfluentAvroDeserializer<GenericRecord>(client, TestOrder.V1)
                .deserialize("orders", bytes);

        assertEquals(TestOrder.V1, back.getSchema());
        assertEquals("o-3", back.get("id").toString());
        assertFalse(back.hasField("note"));
    }

    @Test
    void specificReaderFromWriterSchemaNameAgainstFakeRegistry() {
        byte[] bytes = new ConfluentAvroSerializer<TestOrder>(client).serialize("orders", new TestOrder("o-4", 2, "y"));
        ConfluentAvroDeserializer<Object> deserializer = new ConfluentAvroDeserializer<>(client);
        deserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true"), false);

        assertEquals(new TestOrder("o-4", 2, "y"), deserializer.deserialize("orders", bytes));
    }

    @Test
    void subjectNamingFollowsTopicNameStrategyAgainstFakeRegistry() {
        ConfluentAvroSerializer<GenericRecord> keys = new ConfluentAvroSerializer<>(client);
        keys.configure(Map.of(), true);
        ConfluentAvroSerializer<GenericRecord> values = new ConfluentAvroSerializer<>(client);

        keys.serialize("shipments", shipment("k"));
        values.serialize("shipments", shipment("v"));

        assertEquals(List.of("shipments-key", "shipments-value"), registry.subjects());
        assertEquals("orders-key", TopicNameStrategy.subject("orders", true));
        assertEquals("orders-value", TopicNameStrategy.subject("orders", false));
    }

    @Test
    void secondSerializeAndDeserializeDoNotHitTheRegistryAgainstFakeRegistry() {
        ConfluentAvroSerializer<GenericRecord> serializer = new ConfluentAvroSerializer<>(client);
        ConfluentAvroDeserializer<GenericRecord> deserializer =
                new ConfluentAvroDeserializer<>(SchemaRegistryClient.create(registry.url()));

        byte[] first = serializer.serialize("shipments", shipment("a"));
        byte[] second = serializer.serialize("shipments", shipment("b"));
        deserializer.deserialize("shipments", first);
        deserializer.deserialize("shipments", second);

        assertEquals(1, registry.count("POST", "/subjects/shipments-value/versions"));
        assertEquals(1, registry.count("GET", "/schemas/ids/"));
        assertEquals(2, registry.requests().size());
    }

    @Test
    void nullIsATombstoneBothWaysAgainstFakeRegistry() {
        assertNull(new ConfluentAvroSerializer<GenericRecord>(client).serialize("shipments", null));
        assertNull(new ConfluentAvroDeserializer<GenericRecord>(client).deserialize("shipments", null));
        assertEquals(0, registry.requests().size());
    }

    @Test
    void withoutAutoRegisterTheSchemaIsOnlyLookedUpAgainstFakeRegistry() {
        int id = registry.registerDirectly("shipments-value", SHIPMENT);
        ConfluentAvroSerializer<GenericRecord> serializer = new ConfluentAvroSerializer<>(client);
        serializer.configure(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);

        byte[] bytes = serializer.serialize("shipments", shipment("c"));

        assertEquals(id, ByteBuffer.wrap(bytes, 1, 4).getInt());
        assertEquals(1, registry.count("POST", "/subjects/shipments-value"));
        assertEquals(0, registry.count("POST", "/subjects/shipments-value/versions"));
        assertThrows(SchemaNotFoundException.class, () -> serializer.serialize("shipments", orderV1("x")));
        assertThrows(SubjectNotFoundException.class, () -> serializer.serialize("unregistered", shipment("d")));
    }

    @Test
    void incompatibleSchemaFailsTheSerializeAgainstFakeRegistry() {
        ConfluentAvroSerializer<Object> serializer = new ConfluentAvroSerializer<>(client);
        serializer.serialize("mixed", shipment("e"));

        IncompatibleSchemaException e = assertThrows(IncompatibleSchemaException.class,
                () -> serializer.serialize("mixed", orderV1("o")));
        assertTrue(e.getMessage().contains("mixed-value"), e.getMessage());
        assertInstanceOf(SerializationException.class, e);
    }

    @Test
    void nonAvroValueIsRefusedAgainstFakeRegistry() {
        SerializationException e = assertThrows(SerializationException.class,
                () -> new ConfluentAvroSerializer<Object>(client).serialize("orders", "plain string"));
        assertTrue(e.getMessage().contains("java.lang.String"), e.getMessage());
        assertEquals(0, registry.requests().size());
    }

    @Test
    void serdeConfiguredByKafkaFromPropertiesAgainstFakeRegistry() {
        registry.requireBasicAuth("svc:pw");
        ConfluentAvroSerde<TestOrder> serde = new ConfluentAvroSerde<>();
        serde.configure(Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url(),
                AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO",
                AvroSerdeConfig.BASIC_AUTH_USER_INFO, "svc:pw",
                AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE, TestOrder.class.getName()), false);
        TestOrder order = new TestOrder("o-5", 9, "z");

        TestOrder back = serde.deserializer().deserialize("orders", serde.serializer().serialize("orders", order));

        assertEquals(order, back);
        assertEquals("Basic " + Base64.getEncoder().encodeToString("svc:pw".getBytes(StandardCharsets.UTF_8)),
                registry.lastRequest().header("Authorization"));
    }

    @Test
    void serdeFromInstancesAndSerdesServeFromAgainstFakeRegistry() {
        Serde<TestOrder> own = new ConfluentAvroSerde<>(client, TestOrder.class);
        Serde<GenericRecord> generic = ConfluentAvroSerde.generic(client);
        Serde<TestOrder> assembled = Serdes.serdeFrom(new ConfluentAvroSerializer<>(client),
                new ConfluentAvroDeserializer<>(client, TestOrder.class));
        TestOrder order = new TestOrder("o-6", 4, "w");

        byte[] bytes = own.serializer().serialize("orders", order);
        assertArrayEquals(bytes, assembled.serializer().serialize("orders", order));
        assertEquals(order, assembled.deserializer().deserialize("orders", bytes));
        assertEquals("o-6", generic.deserializer().deserialize("orders", bytes).get("id").toString());
    }

    @Test
    void otherSubjectNameStrategiesAreRefused() {
        ConfluentAvroSerializer<Object> serializer = new ConfluentAvroSerializer<>(client);
        assertThrows(ConfigException.class, () -> serializer.configure(Map.of(
                AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "io.confluent.kafka.serializers.subject.RecordNameStrategy"),
                false));
        serializer.configure(Map.of(
                AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "io.confluent.kafka.serializers.subject.TopicNameStrategy"),
                false);
    }

    @Test
    void unconfiguredSerializerSaysSo() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ConfluentAvroSerializer<GenericRecord>().serialize("t", shipment("f")));
        assertTrue(e.getMessage().contains("schema.registry.url"), e.getMessage());
    }

    @Test
    void oneSerdeSharedByManyThreadsAgainstFakeRegistry() throws Exception {
        Serde<TestOrder> specific = new ConfluentAvroSerde<>(client, TestOrder.class);
        Serde<GenericRecord> generic = ConfluentAvroSerde.generic(SchemaRegistryClient.create(registry.url()));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> jobs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                jobs.add(() -> {
                    for (int i = 0; i < 300; i++) {
                        TestOrder order = new TestOrder("t" + thread + "-" + i, i, "n" + i);
                        byte[] bytes = specific.serializer().serialize("orders", order);
                        assertEquals(order, specific.deserializer().deserialize("orders", bytes));
                        GenericRecord record = shipment("t" + thread + "-" + i);
                        assertEquals(record, generic.deserializer()
                                .deserialize("shipments", generic.serializer().serialize("shipments", record)));
                    }
                    return thread;
                });
            }
            for (Future<Integer> done : pool.invokeAll(jobs, 60, TimeUnit.SECONDS)) {
                done.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(registry.count("POST", "/subjects/") <= 16, "registrations are cached, not per record");
    }

    private static GenericRecord orderV1(String id) {
        GenericRecord record = new GenericData.Record(TestOrder.V1);
        record.put("id", id);
        record.put("quantity", 1);
        return record;
    }
}
