package dev.ddtstream.evaluator.live;

import dev.ddtstream.evaluator.geneval.ResultScorer;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.WindowKind;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The live evaluator, read top to bottom:
 * <pre>
 *   results, errors, stage events, dead letters ─► score results ─┬─► evaluations (one per scored result)
 *                                                                  └─► tumbling and sliding event-time windows ─► metrics
 * </pre>
 * {@link #define} is the logic, on any stream of observations; {@link #start} wires it to Kafka.
 * Event time is each record's own time (result completion, failure, batch end) with bounded
 * out-of-orderness, per input partition; checkpoints commit the source offsets and the sinks'
 * Kafka transactions together, so every evaluation and window is published exactly once, across
 * restarts.
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

    /** What the job publishes, before any sink: one evaluation per scored result, and the windows of both kinds. */
    public record Outputs(DataStream<EvaluationResult> evaluations, DataStream<MetricsWindow> metrics) {
    }

    private EvaluatorJob() {
    }

    /** The evaluator's logic on {@code observations}, whose timestamps and watermarks are already assigned. */
    public static Outputs define(DataStream<Observation> observations, ResultScorer scorer, Settings s) {
        DataStream<Observation> scored = observations.map(new ScoreResults(scorer)).name("score results");
        DataStream<EvaluationResult> evaluations = scored.filter(o -> o.scored).name("scored results")
                .map(EvaluatorJob::evaluation).returns(new AvroTypeInfo<>(EvaluationResult.class)).name("evaluations");
        DataStream<MetricsWindow> tumbling = scored.windowAll(TumblingEventTimeWindows.of(s.tumbling()))
                .aggregate(new Aggregate(), new Finish(WindowKind.TUMBLING)).returns(new AvroTypeInfo<>(MetricsWindow.class))
                .name("tumbling windows");
        DataStream<MetricsWindow> sliding = scored.windowAll(SlidingEventTimeWindows.of(s.slidingSize(), s.slidingStep()))
                .aggregate(new Aggregate(), new Finish(WindowKind.SLIDING)).returns(new AvroTypeInfo<>(MetricsWindow.class))
                .name("sliding windows");
        return new Outputs(evaluations, tumbling.union(sliding));
    }

    /** The job's name on a Flink cluster. */
    public static final String NAME = "ddt-evaluator";

    /** Defines the job on {@code env} with Kafka as its source and sinks, and starts it; the caller cancels it through the client. */
    public static JobClient start(StreamExecutionEnvironment env, EvaluatorTopics topics, Map<String, ?> clientProperties,
                                  Settings s, ResultScorer scorer) throws Exception {
        wire(env, topics, clientProperties, s, scorer);
        return env.executeAsync(NAME);
    }

    /** Defines the job on {@code env}: Kafka in, {@link #define}, Kafka out, checkpoints; the caller executes it. */
    public static void wire(StreamExecutionEnvironment env, EvaluatorTopics topics, Map<String, ?> clientProperties,
                            Settings s, ResultScorer scorer) {
        Map<String, String> client = new HashMap<>();
        clientProperties.forEach((k, v) -> client.put(k, String.valueOf(v)));
        env.enableCheckpointing(s.checkpointEvery().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.setParallelism(1); // small and global (windowAll): one slot, the rest of the cluster stays free

        KafkaSource<Observation> source = KafkaSource.<Observation>builder()
                .setTopics(topics.inputs())
                .setGroupId(s.groupId())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new ObservationDeserializer(topics, client))
                .setProperties(properties(client, Map.of("isolation.level", "read_committed")))
                .build();
        long outOfOrderness = s.outOfOrderness().toMillis();
        long quiet = s.quietAfter().toMillis();
        DataStream<Observation> observations = env
                .fromSource(source, WatermarkStrategy.<Observation>forGenerator(c -> new QuietAwareWatermarks(outOfOrderness, quiet))
                        .withTimestampAssigner((o, t) -> o.eventTimeMs), "results, errors, stage events, dead letters");

        Outputs out = define(observations, scorer, s);
        out.evaluations().sinkTo(sink(topics.evaluations(), s.groupId() + "-evaluations", client, AvroRecords.EVALUATION_KEY))
                .name("to " + topics.evaluations());
        out.metrics().sinkTo(sink(topics.metrics(), s.groupId() + "-metrics", client, AvroRecords.WINDOW_KEY))
                .name("to " + topics.metrics());
    }

    static EvaluationResult evaluation(Observation o) {
        return EvaluationResult.newBuilder()
                .setRequestId(o.requestId).setKind(RequestKind.valueOf(o.kind)).setSuite(o.suite).setTask(o.task)
                .setPromptId(o.promptId).setCorrect(o.correct).setChecks(new HashMap<>(o.checks))
                .setEditL1(o.editL1).setEditL2(o.editL2).setLatencyMs(o.latencyMs).setResultAtMs(o.eventTimeMs)
                .setEvaluatedAtMs(o.evaluatedAtMs).setGenevalModeCorrect(o.genevalModeCorrect)
                .setGenevalModeChecks(new HashMap<>(o.genevalModeChecks)).build();
    }

    private static <T extends SpecificRecord> KafkaSink<T> sink(
            String topic, String transactionalIdPrefix, Map<String, String> client, AvroRecords.Key<T> key) {
        return KafkaSink.<T>builder()
                .setKafkaProducerConfig(properties(client, Map.of("transaction.timeout.ms", "600000")))
                .setRecordSerializer(new AvroRecords<>(topic, key, client))
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

    /** Folds each observation into its window's accumulator as it arrives. */
    static final class Aggregate implements AggregateFunction<Observation, WindowMetrics.Accumulator, WindowMetrics.Accumulator> {
        @Override
        public WindowMetrics.Accumulator createAccumulator() {
            return new WindowMetrics.Accumulator();
        }

        @Override
        public WindowMetrics.Accumulator add(Observation o, WindowMetrics.Accumulator a) {
            return WindowMetrics.add(o, a);
        }

        @Override
        public WindowMetrics.Accumulator getResult(WindowMetrics.Accumulator a) {
            return a;
        }

        @Override
        public WindowMetrics.Accumulator merge(WindowMetrics.Accumulator a, WindowMetrics.Accumulator b) {
            return WindowMetrics.merge(a, b);
        }
    }

    /** At the window's end: its percentiles and rates, as one {@link MetricsWindow}. */
    static final class Finish extends ProcessAllWindowFunction<WindowMetrics.Accumulator, MetricsWindow, TimeWindow> {
        private final WindowKind kind;

        Finish(WindowKind kind) {
            this.kind = kind;
        }

        @Override
        public void process(Context context, Iterable<WindowMetrics.Accumulator> in, Collector<MetricsWindow> out) {
            TimeWindow w = context.window();
            out.collect(WindowMetrics.finish(in.iterator().next(), kind, w.getStart(), w.getEnd()));
        }
    }
}
