package dev.ddtstream.cli.suite;

import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The mix of the requests topic: how many GENERATE, EDIT and CAPTION requests it holds now, read
 * with Flink's Kafka connector as a bounded batch job. The first, smallest of the evaluator's jobs.
 */
public final class RequestMixJob {

    private RequestMixJob() {
    }

    /**
     * Counts the requests from the earliest to the latest offset at submission.
     *
     * @param env              where the job runs (a local or remote cluster)
     * @param topic            the requests topic, normally {@code Topics.REQUESTS}
     * @param kafkaProperties  Kafka client properties, bootstrap servers included, passed through untouched
     * @param registryUrl      the schema registry's Confluent-compatible base URL
     * @return request kind (or {@code UNREADABLE}) to count
     */
    public static Map<String, Long> run(StreamExecutionEnvironment env, String topic, Map<String, ?> kafkaProperties,
                                        String registryUrl) throws Exception {
        KafkaSourceBuilder<String> source = KafkaSource.<String>builder()
                .setTopics(topic)
                .setGroupId("ddt-request-mix-" + topic)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .setDeserializer(new RequestKindDeserializer(registryUrl));
        kafkaProperties.forEach((key, value) -> source.setProperty(key, String.valueOf(value)));

        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        Map<String, Long> counts = new TreeMap<>();
        try (CloseableIterator<Tuple2<String, Long>> it = env
                .fromSource(source.build(), WatermarkStrategy.noWatermarks(), "requests")
                .map(kind -> Tuple2.of(kind, 1L)).returns(Types.TUPLE(Types.STRING, Types.LONG))
                .keyBy(t -> t.f0)
                .sum(1)
                .executeAndCollect("request-mix")) {
            it.forEachRemaining(t -> counts.put(t.f0, t.f1));
        }
        return counts;
    }
}
