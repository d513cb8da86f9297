package dev.ddtstream.schemas.wire;

import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Utils;

/**
 * Property names understood by {@link ConfluentAvroSerializer}, {@link ConfluentAvroDeserializer}
 * and {@link ConfluentAvroSerde} when Kafka configures them, Confluent's names where Confluent
 * has one. Registry connection properties are those of {@link SchemaRegistryConfig}.
 */
public final class AvroSerdeConfig {

    public static final String SCHEMA_REGISTRY_URL = SchemaRegistryConfig.URL;
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = SchemaRegistryConfig.BASIC_AUTH_CREDENTIALS_SOURCE;
    public static final String BASIC_AUTH_USER_INFO = SchemaRegistryConfig.BASIC_AUTH_USER_INFO;

    /** Serializer: register unknown schemas (default true); when false only look them up. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Deserializer: decode into generated classes rather than {@code GenericRecord} (default false). */
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    /**
     * Deserializer (ours): fully qualified generated class of values; its schema becomes the
     * reader schema. Implies {@value #SPECIFIC_AVRO_READER}. Without it a specific reader picks
     * the generated class named like the writer schema.
     */
    public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";
    /** Deserializer (ours): as {@link #SPECIFIC_AVRO_VALUE_TYPE}, for keys. */
    public static final String SPECIFIC_AVRO_KEY_TYPE = "specific.avro.key.type";
    /**
     * Accepted only when it names a {@code TopicNameStrategy} (Confluent's or ours): anything
     * else is refused at configuration rather than silently ignored.
     */
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";

    private AvroSerdeConfig() {
    }

    static boolean bool(Map<String, ?> configs, String key, boolean fallback) {
        Object value = configs.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString().strip();
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new ConfigException(key, value, "expected true or false");
    }

    static void requireTopicNameStrategy(Map<String, ?> configs, boolean isKey) {
        String key = isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY;
        Object value = configs.get(key);
        if (value == null) {
            return;
        }
        String name = value instanceof Class<?> c ? c.getName() : value.toString().strip();
        if (!name.equals("TopicNameStrategy") && !name.endsWith(".TopicNameStrategy")) {
            throw new ConfigException(key, value, "only TopicNameStrategy (<topic>-key / <topic>-value)"
                    + " is supported");
        }
    }

    /** The generated class named by {@code specific.avro.(key|value).type}, or null. */
    static Class<?> specificType(Map<String, ?> configs, boolean isKey) {
        String key = isKey ? SPECIFIC_AVRO_KEY_TYPE : SPECIFIC_AVRO_VALUE_TYPE;
        Object value = configs.get(key);
        if (value == null || value.toString().isBlank()) {
            return null;
        }
        if (value instanceof Class<?> c) {
            return c;
        }
        try {
            return Class.forName(value.toString().strip(), true, Utils.getContextOrKafkaClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigException(key, value, "class not found");
        }
    }
}
