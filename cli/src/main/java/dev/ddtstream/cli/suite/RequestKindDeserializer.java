package dev.ddtstream.cli.suite;

import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.schemas.registry.SchemaNotFoundException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import dev.ddtstream.schemas.wire.WireFormatException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Confluent-framed {@link GenerationRequest} and keeps only its kind. A record that cannot
 * be read (bad frame, unknown schema id) counts as {@value #UNREADABLE} instead of failing the job:
 * bad input never stops a stage. An unreachable registry does fail it, so that Flink retries.
 */
final class RequestKindDeserializer implements KafkaRecordDeserializationSchema<String> {

    private static final Logger log = LoggerFactory.getLogger(RequestKindDeserializer.class);

    static final String UNREADABLE = "UNREADABLE";

    private final String registryUrl;
    private transient ConfluentAvroDeserializer<GenerationRequest> avro;
    private transient boolean warned;

    RequestKindDeserializer(String registryUrl) {
        this.registryUrl = registryUrl;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        avro = new ConfluentAvroDeserializer<>(SchemaRegistryClient.create(registryUrl), GenerationRequest.class);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<String> out) {
        try {
            out.collect(avro.deserialize(record.topic(), record.value()).getKind().name());
        } catch (WireFormatException | SchemaNotFoundException e) {
            if (!warned) {
                log.warn("unreadable record on {} partition {} offset {} (further ones at DEBUG): {}",
                        record.topic(), record.partition(), record.offset(), e.getMessage());
                warned = true;
            } else {
                log.debug("unreadable record on {} offset {}: {}", record.topic(), record.offset(), e.getMessage());
            }
            out.collect(UNREADABLE);
        }
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return Types.STRING;
    }
}
