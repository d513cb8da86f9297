package dev.ddtstream.schemas.wire;

import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka (Streams) {@link Serde} pairing {@link ConfluentAvroSerializer} and
 * {@link ConfluentAvroDeserializer}.
 *
 * <p>Usable as {@code default.value.serde} by class name (Kafka then calls
 * {@link #configure(Map, boolean)} with the application's properties, see
 * {@link AvroSerdeConfig}), or built in code around a shared client:
 * <pre>{@code
 * Serde<MyRecord> values = new ConfluentAvroSerde<>(client, MyRecord.class);
 * Serde<MyKey> keys = new ConfluentAvroSerde<>(client, MyKey.class);
 * keys.configure(Map.of(), true); // subject <topic>-key; Streams does not configure serdes given in code
 * }</pre>
 *
 * @param <T> the record type
 */
public class ConfluentAvroSerde<T> implements Serde<T> {

    private final ConfluentAvroSerializer<T> serializer;
    private final ConfluentAvroDeserializer<T> deserializer;

    /** For Kafka: must be {@linkplain #configure configured} before use. */
    public ConfluentAvroSerde() {
        this(new ConfluentAvroSerializer<>(), new ConfluentAvroDeserializer<>());
    }

    /** Values of a generated {@code SpecificRecord} class, schemas registered automatically. */
    public ConfluentAvroSerde(SchemaRegistryClient client, Class<T> specificType) {
        this(new ConfluentAvroSerializer<>(client), new ConfluentAvroDeserializer<>(client, specificType));
    }

    private ConfluentAvroSerde(ConfluentAvroSerializer<T> serializer, ConfluentAvroDeserializer<T> deserializer) {
        this.serializer = serializer;
        this.deserializer = deserializer;
    }

    /** {@code GenericRecord} values read in their writer schema, schemas registered automatically. */
    public static ConfluentAvroSerde<GenericRecord> generic(SchemaRegistryClient client) {
        return new ConfluentAvroSerde<>(new ConfluentAvroSerializer<>(client), new ConfluentAvroDeserializer<>(client));
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
