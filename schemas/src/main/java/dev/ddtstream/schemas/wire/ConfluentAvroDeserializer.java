package dev.ddtstream.schemas.wire;

import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaNotFoundException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer reading the {@linkplain ConfluentWireFormat Confluent wire format}: it
 * fetches the writer schema named by the frame (cached) and decodes with Avro schema resolution
 * into the reader schema, so that records written with an older or newer compatible schema read
 * fine.
 *
 * <p>What comes out:
 * <ul>
 *   <li>with a target class ({@code new ConfluentAvroDeserializer<>(client, MyRecord.class)}, or
 *       {@value AvroSerdeConfig#SPECIFIC_AVRO_VALUE_TYPE}): instances of that generated class,
 *       its {@code SCHEMA$} being the reader schema;</li>
 *   <li>with {@value AvroSerdeConfig#SPECIFIC_AVRO_READER}{@code =true} and no class: the
 *       generated class named like the writer schema;</li>
 *   <li>otherwise {@code GenericRecord}s in the writer schema, or in a reader schema given to
 *       the constructor. Strings are then {@code org.apache.avro.util.Utf8}, as in Avro.</li>
 * </ul>
 *
 * <p>Errors: {@link UnknownMagicByteException}, {@link TruncatedPayloadException},
 * {@link MalformedPayloadException} for bad bytes; the registry's typed exceptions
 * ({@link SchemaNotFoundException} for an unknown id, {@code RegistryUnreachableException}, ...)
 * when the writer schema cannot be had. {@code null} reads as {@code null} (tombstone).
 * Thread-safe.
 *
 * @param <T> the record type: the generated class, or {@code GenericRecord}
 */
public class ConfluentAvroDeserializer<T> implements Deserializer<T> {

    private volatile SchemaRegistryClient client;
    private volatile Class<?> specificType;
    private volatile boolean specificFromWriter;
    private final Schema genericReaderSchema;

    /**
     * Readers per writer schema id. Avro's datum readers are built for sharing: the resolution
     * state they keep per thread lives in thread-locals. Only ids the registry confirmed get
     * here, so the map grows with the schemas actually in use.
     */
    private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

    /** For Kafka: must be {@linkplain #configure configured} before use. */
    public ConfluentAvroDeserializer() {
        this.genericReaderSchema = null;
    }

    /** Reads {@code GenericRecord}s in their writer schema. */
    public ConfluentAvroDeserializer(SchemaRegistryClient client) {
        this.client = Objects.requireNonNull(client, "client");
        this.genericReaderSchema = null;
    }

    /** Reads instances of a generated {@code SpecificRecord} class, resolving writer to its schema. */
    public ConfluentAvroDeserializer(SchemaRegistryClient client, Class<T> specificType) {
        this.client = Objects.requireNonNull(client, "client");
        this.specificType = requireSpecific(specificType);
        this.genericReaderSchema = null;
    }

    /** Reads {@code GenericRecord}s projected onto {@code readerSchema} by Avro schema resolution. */
    public ConfluentAvroDeserializer(SchemaRegistryClient client, Schema readerSchema) {
        this.client = Objects.requireNonNull(client, "client");
        this.genericReaderSchema = Objects.requireNonNull(readerSchema, "readerSchema");
    }

    /**
     * Reads {@value AvroSerdeConfig#SPECIFIC_AVRO_READER} and
     * {@value AvroSerdeConfig#SPECIFIC_AVRO_VALUE_TYPE} / {@value AvroSerdeConfig#SPECIFIC_AVRO_KEY_TYPE}
     * unless the constructor fixed the reader, and the registry properties of
     * {@link SchemaRegistryConfig} unless the constructor gave a client.
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (specificType == null && genericReaderSchema == null) {
            Class<?> configured = AvroSerdeConfig.specificType(configs, isKey);
            if (configured != null) {
                specificType = requireSpecific(configured);
            } else {
                specificFromWriter = AvroSerdeConfig.bool(configs, AvroSerdeConfig.SPECIFIC_AVRO_READER, false);
            }
            readers.clear();
        }
        if (client == null) {
            client = SchemaRegistryConfig.clientFrom(configs);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        int id = ConfluentWireFormat.schemaId(data, topic);
        DatumReader<T> reader = readerFor(id, topic);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(
                data, ConfluentWireFormat.HEADER_LENGTH, data.length - ConfluentWireFormat.HEADER_LENGTH, null);
        T value;
        try {
            value = reader.read(null, decoder);
        } catch (EOFException e) {
            throw new TruncatedPayloadException("Record on topic '" + topic + "' ends inside its Avro body"
                    + " (" + data.length + " bytes in all, schema id " + id + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new MalformedPayloadException("Cannot decode record on topic '" + topic + "' with schema id "
                    + id + ": " + e, e);
        }
        if (!isEnd(decoder)) {
            // Bytes left over mean the record was not written with the schema its header names.
            throw new MalformedPayloadException("Record on topic '" + topic + "' has bytes left after its Avro"
                    + " body (schema id " + id + "); it was not written with that schema", null);
        }
        return value;
    }

    private DatumReader<T> readerFor(int id, String topic) {
        DatumReader<T> reader = readers.get(id);
        if (reader != null) {
            return reader;
        }
        Schema writer;
        try {
            writer = configuredClient().getById(id);
        } catch (SchemaNotFoundException e) {
            throw new SchemaNotFoundException("Record on topic '" + topic + "' names schema id " + id
                    + ", unknown to the registry: " + e.getMessage(), e);
        } catch (RegistryUnreachableException e) {
            throw new RegistryUnreachableException("Cannot fetch schema id " + id + " for a record on topic '"
                    + topic + "': " + e.getMessage(), e);
        }
        reader = newReader(writer, topic);
        DatumReader<T> raced = readers.putIfAbsent(id, reader);
        return raced == null ? reader : raced;
    }

    @SuppressWarnings("unchecked")
    private DatumReader<T> newReader(Schema writer, String topic) {
        Class<?> type = specificType;
        if (type == null && specificFromWriter) {
            type = SpecificData.get().getClass(writer);
            if (type == null || !SpecificRecord.class.isAssignableFrom(type)) {
                throw new SerializationException("Record on topic '" + topic + "' was written with "
                        + writer.getFullName() + " and " + AvroSerdeConfig.SPECIFIC_AVRO_READER
                        + "=true, but no generated class of that name is on the classpath");
            }
        }
        if (type != null) {
            SpecificData model = SpecificData.getForClass(type);
            return (DatumReader<T>) new SpecificDatumReader<>(writer, model.getSchema(type), model);
        }
        Schema reader = genericReaderSchema == null ? writer : genericReaderSchema;
        return (DatumReader<T>) new GenericDatumReader<>(writer, reader, GenericData.get());
    }

    private static boolean isEnd(BinaryDecoder decoder) {
        try {
            return decoder.isEnd();
        } catch (IOException e) {
            return false;
        }
    }

    private static Class<?> requireSpecific(Class<?> type) {
        Objects.requireNonNull(type, "specificType");
        if (!SpecificRecord.class.isAssignableFrom(type)) {
            throw new ConfigException(type.getName() + " is not a generated Avro SpecificRecord class");
        }
        return type;
    }

    private SchemaRegistryClient configuredClient() {
        SchemaRegistryClient registry = client;
        if (registry == null) {
            throw new IllegalStateException("ConfluentAvroDeserializer is not configured: give it a"
                    + " SchemaRegistryClient or call configure() with " + AvroSerdeConfig.SCHEMA_REGISTRY_URL);
        }
        return registry;
    }
}
