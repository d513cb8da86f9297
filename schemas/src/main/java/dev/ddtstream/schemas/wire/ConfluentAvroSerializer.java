package dev.ddtstream.schemas.wire;

import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing Avro records ({@code SpecificRecord}, {@code GenericRecord}, or any
 * other Avro {@link GenericContainer}) in the {@linkplain ConfluentWireFormat Confluent wire
 * format}, registering their schema under the subject {@code <topic>-value} ({@code -key} for
 * keys, see {@link TopicNameStrategy}).
 *
 * <p>Two ways to create one:
 * <ul>
 *   <li>by Kafka, from its class name: the no-argument constructor, then
 *       {@link #configure(Map, boolean)} with {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL} and
 *       friends ({@link AvroSerdeConfig});</li>
 *   <li>in code, around a shared {@link SchemaRegistryClient}. Such an instance serializes
 *       values; for keys call {@code configure(Map.of(), true)}, since Kafka does not configure
 *       serializers handed to it as instances.</li>
 * </ul>
 *
 * <p>{@code null} is written as {@code null} (a tombstone). Thread-safe: Kafka Streams may share
 * one instance between stream threads.
 *
 * @param <T> the record type
 */
public class ConfluentAvroSerializer<T> implements Serializer<T> {

    /** Guard against unbounded growth when generic records carry ever new schema instances. */
    private static final int MAX_CACHED_WRITERS = 1000;

    private volatile SchemaRegistryClient client;
    private volatile boolean autoRegister;
    private volatile boolean isKey;

    // DatumWriters hold no per-write state, so one per schema is shared by all threads.
    private final Map<Class<?>, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();

    /** For Kafka: must be {@linkplain #configure configured} before use. */
    public ConfluentAvroSerializer() {
        this.autoRegister = true;
    }

    /** A value serializer that registers unknown schemas. */
    public ConfluentAvroSerializer(SchemaRegistryClient client) {
        this(client, true);
    }

    /**
     * @param autoRegister false to only look schemas up ({@code POST /subjects/{subject}}),
     *                     failing with {@code SchemaNotFoundException} or
     *                     {@code SubjectNotFoundException} when they are not registered
     */
    public ConfluentAvroSerializer(SchemaRegistryClient client, boolean autoRegister) {
        this.client = Objects.requireNonNull(client, "client");
        this.autoRegister = autoRegister;
    }

    /**
     * Reads {@value AvroSerdeConfig#AUTO_REGISTER_SCHEMAS} and, unless a client was given to the
     * constructor, the registry properties of {@link SchemaRegistryConfig}.
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig.requireTopicNameStrategy(configs, isKey);
        this.isKey = isKey;
        this.autoRegister = AvroSerdeConfig.bool(configs, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, autoRegister);
        if (client == null) {
            client = SchemaRegistryConfig.clientFrom(configs);
        }
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (!(data instanceof GenericContainer container)) {
            throw new SerializationException("Cannot serialize a " + data.getClass().getName()
                    + " for topic '" + topic + "': not an Avro record (SpecificRecord, GenericRecord"
                    + " or another GenericContainer)");
        }
        SchemaRegistryClient registry = configuredClient();
        Schema schema = container.getSchema();
        String subject = TopicNameStrategy.subject(topic, isKey);
        int id = autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);

        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        ConfluentWireFormat.writeHeader(out, id);
        // A direct encoder writes straight into the stream: nothing to flush, no buffer to keep,
        // and allocating one per call is cheaper and simpler than thread-local reuse.
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writerFor(data, schema).write(data, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot serialize " + schema.getFullName() + " for topic '"
                    + topic + "' (subject '" + subject + "', schema id " + id + "): " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private DatumWriter<Object> writerFor(Object data, Schema schema) {
        if (data instanceof SpecificRecord) {
            // The class's own model knows its logical-type conversions (decimals, timestamps).
            return specificWriters.computeIfAbsent(data.getClass(),
                    type -> new SpecificDatumWriter<>(schema, SpecificData.getForClass(type)));
        }
        if (genericWriters.size() >= MAX_CACHED_WRITERS) {
            genericWriters.clear();
        }
        return genericWriters.computeIfAbsent(schema, s -> new GenericDatumWriter<>(s, GenericData.get()));
    }

    private SchemaRegistryClient configuredClient() {
        SchemaRegistryClient registry = client;
        if (registry == null) {
            throw new IllegalStateException("ConfluentAvroSerializer is not configured: give it a"
                    + " SchemaRegistryClient or call configure() with " + AvroSerdeConfig.SCHEMA_REGISTRY_URL);
        }
        return registry;
    }
}
