package dev.ddtstream.schemas.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.schemas.registry.FakeSchemaRegistry;
import dev.ddtstream.schemas.registry.IncompatibleSchemaException;
import dev.ddtstream.schemas.registry.InvalidSchemaException;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaNotFoundException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.registry.SchemaRegistryException;
import dev.ddtstream.schemas.registry.SubjectNotFoundException;
import dev.ddtstream.schemas.registry.VersionNotFoundException;
import java.io.EOFException;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfluentAvroBadFrameTest {

    FakeSchemaRegistry registry;
    ConfluentAvroDeserializer<GenericRecord> deserializer;

    @BeforeEach
    void start() throws Exception {
        registry = FakeSchemaRegistry.start();
        deserializer = new ConfluentAvroDeserializer<>(SchemaRegistryClient.create(registry.url()));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void wrongMagicByteIsUnknownMagicByteAgainstFakeRegistry() {
        byte[] json = "{\"id\":1}".getBytes();

        UnknownMagicByteException e = assertThrows(UnknownMagicByteException.class,
                () -> deserializer.deserialize("orders", json));
        assertTrue(e.getMessage().contains("'orders'") && e.getMessage().contains("0x7b"), e.getMessage());
        assertEquals(0, registry.requests().size(), "no registry call for a frame that is not ours");
    }

    @Test
    void shorterThanTheHeaderIsTruncatedAgainstFakeRegistry() {
        assertThrows(TruncatedPayloadException.class, () -> deserializer.deserialize("orders", new byte[] {0, 0, 0, 1}));
        assertThrows(TruncatedPayloadException.class, () -> deserializer.deserialize("orders", new byte[0]));
        assertEquals(0, registry.requests().size());
    }

    @Test
    void bodyCutShortIsTruncatedAgainstFakeRegistry() {
        byte[] whole = new ConfluentAvroSerializer<TestOrder>(SchemaRegistryClient.create(registry.url()))
                .serialize("orders", new TestOrder("order-with-a-long-id", 7, "note"));
        byte[] cut = Arrays.copyOf(whole, whole.length - 6);

        TruncatedPayloadException e = assertThrows(TruncatedPayloadException.class,
                () -> deserializer.deserialize("orders", cut));
        assertInstanceOf(EOFException.class, e.getCause());
        assertTrue(e.getMessage().contains("'orders'"), e.getMessage());
    }

    @Test
    void unknownSchemaIdIsSchemaNotFoundAgainstFakeRegistry() {
        byte[] frame = {0, 0, 0, 0x03, (byte) 0xe7, 2, 'x', 2};

        SchemaNotFoundException e = assertThrows(SchemaNotFoundException.class,
                () -> deserializer.deserialize("orders", frame));
        assertEquals(40403, e.errorCode());
        assertTrue(e.getMessage().contains("'orders'") && e.getMessage().contains("999"), e.getMessage());
        assertEquals(1, registry.count("GET", "/schemas/ids/999"));
    }

    @Test
    void unreachableRegistryOnDeserialize() throws Exception {
        String closed = FakeSchemaRegistry.closedPortUrl();
        ConfluentAvroDeserializer<GenericRecord> cutOff = new ConfluentAvroDeserializer<>(SchemaRegistryClient.create(closed));

        RegistryUnreachableException e = assertThrows(RegistryUnreachableException.class,
                () -> cutOff.deserialize("orders", new byte[] {0, 0, 0, 0, 1, 2, 'x', 2}));
        assertTrue(e.getMessage().contains(closed) && e.getMessage().contains("'orders'"), e.getMessage());
        assertTrue(e.isRetriable());
    }

    @Test
    void corruptBodyIsMalformedAgainstFakeRegistry() {
        Schema named = SchemaBuilder.record("Named").fields().requiredString("name").endRecord();
        int id = registry.registerDirectly("named-value", named);
        // zig-zag 0x01 is a string length of -1
        byte[] frame = {0, 0, 0, 0, (byte) id, 0x01, 'x'};

        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> deserializer.deserialize("named", frame));
        assertTrue(e.getMessage().contains("'named'") && e.getMessage().contains("schema id " + id), e.getMessage());
    }

    @Test
    void bytesLeftAfterTheBodyAreMalformedAgainstFakeRegistry() {
        Schema named = SchemaBuilder.record("Named").fields().requiredString("name").endRecord();
        int id = registry.registerDirectly("named-value", named);
        byte[] frame = {0, 0, 0, 0, (byte) id, 0x02, 'x', 0x42};

        assertThrows(MalformedPayloadException.class, () -> deserializer.deserialize("named", frame));
        assertEquals("x", deserializer.deserialize("named", Arrays.copyOf(frame, frame.length - 1)).get("name").toString());
    }

    @Test
    void unresolvableReaderSchemaIsMalformedAgainstFakeRegistry() {
        Schema writer = SchemaBuilder.record("Named").fields().requiredString("name").endRecord();
        Schema reader = SchemaBuilder.record("Named").fields().requiredString("name").requiredInt("age").endRecord();
        int id = registry.registerDirectly("named-value", writer);
        ConfluentAvroDeserializer<GenericRecord> strict =
                new ConfluentAvroDeserializer<>(SchemaRegistryClient.create(registry.url()), reader);

        MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
                () -> strict.deserialize("named", new byte[] {0, 0, 0, 0, (byte) id, 0x02, 'x'}));
        assertTrue(e.getMessage().contains("age"), e.getMessage());
    }

    @Test
    void everyTypedErrorIsAKafkaSerializationException() {
        for (Class<?> type : List.of(UnknownMagicByteException.class, TruncatedPayloadException.class,
                MalformedPayloadException.class, SchemaRegistryException.class, SchemaNotFoundException.class,
                SubjectNotFoundException.class, VersionNotFoundException.class, IncompatibleSchemaException.class,
                InvalidSchemaException.class, RegistryUnreachableException.class)) {
            assertTrue(SerializationException.class.isAssignableFrom(type), type.getName());
        }
    }
}
