package dev.ddtstream.cli.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.infra.flink.LocalFlinkCluster;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The job on Flink's real runtime, reading the real broker with Confluent-framed Avro from the real registry. */
@ExtendWith(TestEnvironmentExtension.class)
class RequestMixJobTest {

    @Test
    void countsRequestsByKindAndCountsAnUnreadableRecordWithoutFailing(TestEnvironment env) throws Exception {
        String topic = TestEnvironment.unique("requests");
        env.createTopics(List.of(topic), 2);
        SchemaRegistryClient registry = SchemaRegistryClient.create(env.schemaRegistryUrl());
        ConfluentAvroSerializer<GenerationRequest> avro = new ConfluentAvroSerializer<>(registry);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(env.clientProperties(Map.of()),
                new StringSerializer(), new ByteArraySerializer())) {
            int n = 0;
            for (RequestKind kind : List.of(RequestKind.GENERATE, RequestKind.GENERATE, RequestKind.GENERATE,
                    RequestKind.EDIT, RequestKind.EDIT, RequestKind.CAPTION)) {
                GenerationRequest request = GenerationRequest.newBuilder()
                        .setRequestId("r" + n++).setKind(kind).setPrompt("two red circles")
                        .setCreatedAtMs(System.currentTimeMillis()).build();
                producer.send(new ProducerRecord<>(topic, request.getRequestId(), avro.serialize(topic, request))).get();
            }
            producer.send(new ProducerRecord<>(topic, "garbage", new byte[] {7, 7, 7})).get();
        }

        try (LocalFlinkCluster flink = LocalFlinkCluster.start(2)) {
            Map<String, Long> counts = RequestMixJob.run(flink.environment(), topic, env.clientProperties(), env.schemaRegistryUrl());
            assertEquals(Map.of("GENERATE", 3L, "EDIT", 2L, "CAPTION", 1L, RequestKindDeserializer.UNREADABLE, 1L), counts);
        }
    }
}
