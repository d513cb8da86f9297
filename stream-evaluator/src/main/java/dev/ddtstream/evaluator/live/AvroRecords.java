package dev.ddtstream.evaluator.live;

import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The evaluator's outputs as Kafka records: a string key and the value in the Confluent wire format. */
final class AvroRecords<T extends SpecificRecord> implements KafkaRecordSerializationSchema<T> {

    /** The record key of an output. */
    interface Key<T> extends Function<T, String>, Serializable {
    }

    static final Key<EvaluationResult> EVALUATION_KEY = EvaluationResult::getRequestId;
    static final Key<MetricsWindow> WINDOW_KEY = w -> w.getWindowKind() + ":" + w.getWindowEndMs();

    private final String topic;
    private final Key<T> key;
    private final Map<String, String> client;
    private transient ConfluentAvroSerializer<SpecificRecord> values;

    AvroRecords(String topic, Key<T> key, Map<String, String> client) {
        this.topic = topic;
        this.key = key;
        this.client = client;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        values = new ConfluentAvroSerializer<>(SchemaRegistryConfig.clientFrom(client));
        values.configure(client, false);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T record, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, key.apply(record).getBytes(StandardCharsets.UTF_8), values.serialize(topic, record));
    }
}
