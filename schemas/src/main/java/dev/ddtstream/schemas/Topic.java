package dev.ddtstream.schemas;

import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * One Kafka topic of the flow: its name, what its key means, and the Avro type of its values.
 * Keys are plain UTF-8 strings on every topic (Kafka's {@code StringSerializer}), values are
 * Avro records in the Confluent wire format.
 *
 * @param name       the topic name, as created on the cluster
 * @param key        what the record key holds, for people reading the catalogue
 * @param valueType  the generated Avro class of the values
 * @param <V>        the value type
 */
public record Topic<V extends SpecificRecord>(String name, String key, Class<V> valueType) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(valueType, "valueType");
    }

    /** The value schema, as registered under {@link #valueSubject()}. */
    public Schema valueSchema() {
        return SpecificData.get().getSchema(valueType);
    }

    /** The registry subject of the values under Confluent's default TopicNameStrategy. */
    public String valueSubject() {
        return name + "-value";
    }

    @Override
    public String toString() {
        return name;
    }
}
