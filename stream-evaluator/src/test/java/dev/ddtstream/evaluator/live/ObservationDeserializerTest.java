package dev.ddtstream.evaluator.live;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What the evaluator's source does with records it cannot read: skip bad input, but never a record the registry could not resolve. */
class ObservationDeserializerTest {

    private static final EvaluatorTopics TOPICS = EvaluatorTopics.catalogue();

    @Test
    void aRecordWithoutTheWireFormatIsSkipped() throws Exception {
        ObservationDeserializer d = opened(registryNobodyAnswers());
        List<Observation> out = new ArrayList<>();
        d.deserialize(record(new byte[] {42, 1, 2}), collector(out));
        assertEquals(List.of(), out);
    }

    @Test
    void aRecordWhoseSchemaTheRegistryCannotGiveFailsTheJobSoThatItIsReadAgain() throws Exception {
        ObservationDeserializer d = opened(registryNobodyAnswers());
        byte[] framed = {0, 0, 0, 0, 8, 2, 'x'}; // magic byte, schema id 8, a body
        IOException e = assertThrows(IOException.class, () -> d.deserialize(record(framed), collector(new ArrayList<>())),
                "skipping it would lose the result's evaluation for good");
        assertInstanceOf(RegistryUnreachableException.class, e.getCause());
    }

    private static ObservationDeserializer opened(String registryUrl) {
        ObservationDeserializer d = new ObservationDeserializer(TOPICS, Map.of("schema.registry.url", registryUrl));
        d.open(null);
        return d;
    }

    /** A port that was free a moment ago: connections to it are refused. */
    private static String registryNobodyAnswers() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private static ConsumerRecord<byte[], byte[]> record(byte[] value) {
        return new ConsumerRecord<>(TOPICS.images(), 0, 7, "id".getBytes(), value);
    }

    private static Collector<Observation> collector(List<Observation> into) {
        return new Collector<>() {
            @Override
            public void collect(Observation o) {
                into.add(o);
            }

            @Override
            public void close() {
            }
        };
    }
}
