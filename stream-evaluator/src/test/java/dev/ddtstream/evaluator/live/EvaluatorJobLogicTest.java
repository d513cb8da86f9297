package dev.ddtstream.evaluator.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.bundle.RgbImages;
import dev.ddtstream.evaluator.geneval.HandMadeScene;
import dev.ddtstream.evaluator.geneval.ResultScorer;
import dev.ddtstream.events.BenchmarkMetadata;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.ObjectClause;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.WindowKind;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

/**
 * The evaluator's logic on Flink's local runtime without Kafka: observations from a collection,
 * outputs collected from the job's streams.
 */
class EvaluatorJobLogicTest {

    private static final EvaluatorJob.Settings SETTINGS = new EvaluatorJob.Settings("test", Duration.ofSeconds(10),
            Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ZERO, Duration.ofSeconds(5), Duration.ofSeconds(1));

    @Test
    void scoresResultsCountsWhatItCannotScoreAndAggregatesEachWindow() throws Exception {
        List<Observation> in = new ArrayList<>();
        in.add(generated("right-1", "circle", 1_000));
        in.add(generated("right-2", "circle", 2_000));
        in.add(generated("wrong", "square", 3_000));
        Observation garbled = generated("garbled", "circle", 4_000);
        garbled.image.setPng(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        in.add(garbled);
        in.add(generated("later", "circle", 12_000));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        DataStream<Observation> observations = env.fromData(in)
                .assignTimestampsAndWatermarks(WatermarkStrategy.<Observation>forMonotonousTimestamps()
                        .withTimestampAssigner((o, t) -> o.eventTimeMs));
        EvaluatorJob.Outputs out = EvaluatorJob.define(observations, ResultScorer.forWorld(HandMadeScene.WORLD), SETTINGS);
        List<EvaluationResult> evaluations = new ArrayList<>();
        List<MetricsWindow> windows = new ArrayList<>();
        try (CloseableIterator<EvaluationResult> e = out.evaluations().collectAsync();
             CloseableIterator<MetricsWindow> m = out.metrics().collectAsync()) {
            env.execute("evaluator logic");
            e.forEachRemaining(evaluations::add);
            m.forEachRemaining(windows::add);
        }

        assertEquals(List.of("later", "right-1", "right-2", "wrong"), evaluations.stream().map(EvaluationResult::getRequestId).sorted().toList(),
                "one evaluation per scored result; the garbled image has none");
        assertEquals(Boolean.FALSE, evaluations.stream().filter(x -> x.getRequestId().equals("wrong")).findFirst().orElseThrow().getCorrect());

        MetricsWindow first = window(windows, WindowKind.TUMBLING, 10_000);
        assertEquals(4, first.getResults());
        assertEquals(1, first.getScoringErrors(), "the garbled image is a scoring error");
        assertEquals(2.0 / 3, first.getAccuracyByTask().get("single_object"), 1e-9);
        assertEquals(1.0, window(windows, WindowKind.TUMBLING, 20_000).getAccuracyByTask().get("single_object"), 1e-9);
        MetricsWindow sliding = window(windows, WindowKind.SLIDING, 20_000);
        assertEquals(5, sliding.getResults(), "the 20 s sliding window holds both tumbling windows");
        assertEquals(0.75, sliding.getAccuracyByTask().get("single_object"), 1e-9);
        assertTrue(windows.stream().noneMatch(w -> w.getWindowKind() == WindowKind.TUMBLING && w.getWindowEndMs() > 20_000));
    }

    private static MetricsWindow window(List<MetricsWindow> windows, WindowKind kind, long end) {
        List<MetricsWindow> match = windows.stream().filter(w -> w.getWindowKind() == kind && w.getWindowEndMs() == end).toList();
        assertEquals(1, match.size(), kind + " window ending at " + end + " among " + windows.stream()
                .map(w -> w.getWindowKind() + ":" + w.getWindowEndMs()).toList());
        return match.get(0);
    }

    /** A GENERATE result for "a circle" showing one small red {@code shape}, completed at {@code at}. */
    private static Observation generated(String id, String shape, long at) {
        byte[] png = RgbImages.png(new HandMadeScene(32).add(shape, "red", "small", 16, 16).render());
        BenchmarkMetadata m = BenchmarkMetadata.newBuilder().setSuite("test").setTask("single_object").setPromptId(id)
                .setClauses(List.of(ObjectClause.newBuilder().setShape("circle").setCount(1).build())).build();
        return ObservationDeserializer.of(ImageResult.newBuilder().setRequestId(id).setKind(RequestKind.GENERATE)
                .setPrompt("a circle").setPng(ByteBuffer.wrap(png)).setWidth(32).setHeight(32).setVisualCodes(List.of(1))
                .setSeed(0).setTimings(List.of()).setCreatedAtMs(at - 100).setCompletedAtMs(at).setBenchmark(m).build());
    }
}
