package dev.ddtstream.evaluator.live;

import dev.ddtstream.evaluator.geneval.ResultScorer;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.WindowKind;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The live evaluator: results, errors, stage events and dead letters in; per-result verdicts to
 * the evaluations topic and tumbling + sliding event-time window aggregates to the metrics topic.
 * Event time is each record's own time (result completion, failure, batch end) with bounded
 * out-of-orderness; checkpoints commit the source offsets and the sinks' Kafka transactions
 * together, so every evaluation and window is published exactly once, across restarts.
 */
public final class EvaluatorJob {

    /**
     * How the job runs.
     *
     * @param groupId          the source's consumer group, and the stem of the sinks' transactional ids
     * @param tumbling         tumbling window size
     * @param slidingSize      sliding window size
     * @param slidingStep      sliding window step
     * @param outOfOrderness   how late an event may arrive and still count in its window
     * @param quietAfter       wall-clock time without input after which event time follows the wall clock
     * @param checkpointEvery  checkpoint interval: how often evaluations and windows become visible
     */
    public record Settings(String groupId, Duration tumbling, Duration slidingSize, Duration slidingStep,
                           Duration outOfOrderness, Duration quietAfter, Duration checkpointEvery) {

        public static Settings defaults() {
            return new Settings("ddt-evaluator", Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(10),
                    Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(2));
        }
    }

    private EvaluatorJob() {
    }

    /** Defines the job on {@code env} and starts it; the caller cancels it through the client. */
    public static JobClient start(StreamExecutionEnvironment env, EvaluatorTopics topics, Map<String, ?> clientProperties,
                                  Settings s) throws Exception {
        Map<String, String> client = new HashMap<>();
        clientProperties.forEach((k, v) -> client.put(k, String.valueOf(v)));
        env.enableCheckpointing(s.checkpointEvery().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.setParallelism(1); // small and global (windowAll): one slot, the rest of the cluster stays free

        KafkaSource<Observation> source = KafkaSource.<Observation>builder()
                .setTopics(topics.inputs())
                .setGroupId(s.groupId())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(org.apache.kafka.clients.consumer.OffsetResetStrategy.EARLIEST))
                .setDeserializer(new ObservationDeserializer(topics, client, ResultScorer.standard()))
                .setProperties(properties(client, Map.of("isolation.level", "read_committed")))
                .build();
        long outOfOrderness = s.outOfOrderness().toMillis();
        long quiet = s.quietAfter().toMillis();
        DataStream<Observation> observations = env
                .fromSource(source, WatermarkStrategy.<Observation>forGenerator(c -> new QuietAwareWatermarks(outOfOrderness, quiet))
                        .withTimestampAssigner((o, t) -> o.eventTimeMs), "results")
                .name("results, errors, stage events, dead letters");

        observations.filter(o -> o.scored).name("scored results")
                .map(new EvaluationRecord(topics.evaluations(), client)).returns(Types.TUPLE(Types.STRING, Types.PRIMITIVE_ARRAY(Types.BYTE)))
                .sinkTo(sink(topics.evaluations(), s.groupId() + "-evaluations", client)).name("evaluations");
        observations.windowAll(TumblingEventTimeWindows.of(s.tumbling()))
                .process(new MetricsRecord(WindowKind.TUMBLING, topics.metrics(), client)).returns(Types.TUPLE(Types.STRING, Types.PRIMITIVE_ARRAY(Types.BYTE)))
                .sinkTo(sink(topics.metrics(), s.groupId() + "-tumbling", client)).name("tumbling metrics");
        observations.windowAll(SlidingEventTimeWindows.of(s.slidingSize(), s.slidingStep()))
                .process(new MetricsRecord(WindowKind.SLIDING, topics.metrics(), client)).returns(Types.TUPLE(Types.STRING, Types.PRIMITIVE_ARRAY(Types.BYTE)))
                .sinkTo(sink(topics.metrics(), s.groupId() + "-sliding", client)).name("sliding metrics");
        return env.executeAsync("ddt-evaluator");
    }

    private static KafkaSink<Tuple2<String, byte[]>> sink(String topic, String transactionalIdPrefix, Map<String, String> client) {
        return KafkaSink.<Tuple2<String, byte[]>>builder()
                .setKafkaProducerConfig(properties(client, Map.of("transaction.timeout.ms", "600000")))
                .setRecordSerializer((KafkaRecordSerializationSchema<Tuple2<String, byte[]>>) (t, context, timestamp) ->
                        new ProducerRecord<>(topic, t.f0.getBytes(StandardCharsets.UTF_8), t.f1))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .build();
    }

    private static Properties properties(Map<String, String> client, Map<String, String> extra) {
        Properties p = new Properties();
        p.putAll(client);
        p.putAll(extra);
        return p;
    }

    private static Serializer<SpecificRecord> avro(Map<String, String> client) {
        ConfluentAvroSerializer<SpecificRecord> s = new ConfluentAvroSerializer<>(SchemaRegistryConfig.clientFrom(client));
        s.configure(client, false);
        return s;
    }

    /** A scored result as its EvaluationResult, keyed by request id. */
    static final class EvaluationRecord extends RichMapFunction<Observation, Tuple2<String, byte[]>> {
        private final String topic;
        private final Map<String, String> client;
        private transient Serializer<SpecificRecord> serializer;

        EvaluationRecord(String topic, Map<String, String> client) {
            this.topic = topic;
            this.client = client;
        }

        @Override
        public void open(OpenContext context) {
            serializer = avro(client);
        }

        @Override
        public Tuple2<String, byte[]> map(Observation o) {
            EvaluationResult e = EvaluationResult.newBuilder()
                    .setRequestId(o.requestId).setKind(RequestKind.valueOf(o.kind)).setSuite(o.suite).setTask(o.task)
                    .setPromptId(o.promptId).setCorrect(o.correct).setChecks(new HashMap<>(o.checks))
                    .setEditL1(o.editL1).setEditL2(o.editL2).setLatencyMs(o.latencyMs).setResultAtMs(o.eventTimeMs)
                    .setEvaluatedAtMs(o.evaluatedAtMs).build();
            return Tuple2.of(o.requestId, serializer.serialize(topic, e));
        }
    }

    /** A window's observations as one MetricsWindow, keyed by {@code windowKind:windowEndMs}. */
    static final class MetricsRecord extends ProcessAllWindowFunction<Observation, Tuple2<String, byte[]>, TimeWindow> {
        private final WindowKind kind;
        private final String topic;
        private final Map<String, String> client;
        private transient Serializer<SpecificRecord> serializer;

        MetricsRecord(WindowKind kind, String topic, Map<String, String> client) {
            this.kind = kind;
            this.topic = topic;
            this.client = client;
        }

        @Override
        public void open(OpenContext context) {
            serializer = avro(client);
        }

        @Override
        public void process(Context context, Iterable<Observation> in, Collector<Tuple2<String, byte[]>> out) {
            TimeWindow w = context.window();
            MetricsWindow m = WindowMetrics.of(in, kind, w.getStart(), w.getEnd());
            out.collect(Tuple2.of(kind + ":" + w.getEnd(), serializer.serialize(topic, m)));
        }
    }
}
