package dev.ddtstream.evaluator.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.evaluator.geneval.HandMadeScene;
import dev.ddtstream.evaluator.geneval.ResultScorer;
import dev.ddtstream.events.BatchOutcome;
import dev.ddtstream.events.BenchmarkMetadata;
import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.ObjectClause;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SceneObject;
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageEvent;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.events.WindowKind;
import dev.ddtstream.infra.flink.LocalFlinkCluster;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.TopicReader;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The evaluator on Flink's local runtime against the real broker and registry: known results in, known aggregates out. */
@ExtendWith(TestEnvironmentExtension.class)
class EvaluatorJobTest {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final ResultScorer SCORER = ResultScorer.forWorld(HandMadeScene.WORLD);

    @Test
    void scoresResultsAndPublishesTheWindowsAggregates(TestEnvironment env) throws Exception {
        EvaluatorTopics topics = EvaluatorTopics.prefixed(TestEnvironment.unique("eval") + ".");
        env.createTopics(List.of(topics.images(), topics.captions(), topics.errors(), topics.stageEvents(), topics.deadLetters(),
                topics.evaluations(), topics.metrics()), 1);
        // a day ahead, on a window boundary: nothing else on the cluster lands in these windows
        long base = (System.currentTimeMillis() / 10_000 + 8_640) * 10_000;
        SchemaRegistryClient registry = SchemaRegistryClient.create(env.schemaRegistryUrl());
        try (KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(env.clientProperties(Map.of()), new StringSerializer(),
                new ConfluentAvroSerializer<>(registry))) {
            for (int i = 0; i < 4; i++) {
                String shape = i < 3 ? "circle" : "square"; // three right, one wrong
                send(p, topics.images(), "img-" + i, image("img-" + i, shape, base + 1_000 + i * 100));
            }
            send(p, topics.captions(), "cap-0", caption(base + 2_000));
            send(p, topics.errors(), "err-0", error("err-0", ErrorReason.BAD_TOKENS, base + 3_000));
            send(p, topics.errors(), "err-1", error("err-1", ErrorReason.BAD_TOKENS, base + 3_100));
            send(p, topics.errors(), "err-2", error("err-2", ErrorReason.PROMPT_MISSING, base + 3_200));
            send(p, topics.stageEvents(), "w", stage(4, base + 4_000));
            send(p, topics.stageEvents(), "w", stage(4, base + 4_100));
            send(p, topics.stageEvents(), "w", stage(2, base + 4_200));
            send(p, topics.deadLetters(), "err-0", deadLetter(base + 3_000));
            send(p, topics.stageEvents(), "w", stage(1, base + 120_000)); // moves event time past every window above
            p.flush();
        }

        Map<String, Object> client = env.clientPropertiesWithRegistry();
        EvaluatorJob.Settings settings = new EvaluatorJob.Settings(TestEnvironment.unique("evaluator"), Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(500));
        List<MetricsWindow> windows;
        List<EvaluationResult> evaluations;
        try (LocalFlinkCluster flink = LocalFlinkCluster.start(2)) {
            JobClient job = EvaluatorJob.start(flink.environment(), topics, client, settings, SCORER);
            try {
                read(env, topics.evaluations(), EvaluationResult.class, list -> list.size() >= 5);
                read(env, topics.metrics(), MetricsWindow.class, list -> list.stream().anyMatch(
                        w -> w.getWindowKind() == WindowKind.TUMBLING && w.getWindowEndMs() == base + 10_000));
            } finally {
                job.cancel().get();
            }
        }
        // the job is gone: what it committed is all it will ever have published, duplicates included
        evaluations = readAll(env, topics.evaluations(), EvaluationResult.class);
        windows = readAll(env, topics.metrics(), MetricsWindow.class);

        MetricsWindow w = windows.stream().filter(x -> x.getWindowKind() == WindowKind.TUMBLING && x.getWindowEndMs() == base + 10_000)
                .findFirst().orElseThrow(() -> new AssertionError("no tumbling window ending at " + (base + 10_000) + " among "
                        + windows.stream().map(x -> x.getWindowKind() + ":" + x.getWindowEndMs() + "/" + x.getResults()).toList()
                        + "; evaluations " + evaluations.size()));
        assertEquals(8, w.getResults(), "4 images + 1 caption + 3 errors: " + w);
        assertEquals(0.75, w.getAccuracyByTask().get("single_object"), 1e-9);
        assertEquals(0.75, w.getGenevalOverall(), 1e-9, "the mean over the GenEval tasks present");
        assertEquals(1.0, w.getCaptionAccuracy(), 1e-9);
        assertEquals(Map.of("BAD_TOKENS", 2L, "PROMPT_MISSING", 1L), w.getErrorsByReason());
        assertEquals(1, w.getDeadLetters());
        assertEquals(Map.of("4", 2L, "2", 1L), w.getBatchSizes());
        assertEquals(5, w.getLatency().get("end_to_end").getCount());
        assertEquals(400.0, w.getLatency().get("end_to_end").getP50Ms(), 1e-9);
        assertEquals(3, w.getCodesInUse(), "codes 1, 2, 3 from the stage events");
        assertEquals(0.8, w.getThroughputPerSecond(), 1e-9);
        assertEquals(1, windows.stream().filter(x -> x.getWindowKind() == WindowKind.TUMBLING && x.getWindowEndMs() == base + 10_000).count(),
                "the window is published once");
        assertTrue(windows.stream().anyMatch(x -> x.getWindowKind() == WindowKind.SLIDING && x.getWindowEndMs() == base + 10_000
                && x.getResults() == 8), "the first sliding window holds them too");

        assertEquals(5, evaluations.size(), "one evaluation per scored result: " + evaluations);
        assertEquals(3, evaluations.stream().filter(e -> "single_object".equals(e.getTask()) && Boolean.TRUE.equals(e.getCorrect())).count());
        EvaluationResult wrong = evaluations.stream().filter(e -> e.getRequestId().equals("img-3")).findFirst().orElseThrow();
        assertEquals(Boolean.FALSE, wrong.getCorrect());
        assertEquals(Map.of("1 circle", false, "exactly 1 object", true), wrong.getChecks());
        assertNull(wrong.getEditL1());
    }

    @Test
    void everyWindowAndEvaluationIsPublishedOnceAcrossARestartFromACheckpoint(TestEnvironment env, @TempDir Path checkpoints)
            throws Exception {
        EvaluatorTopics topics = EvaluatorTopics.prefixed(TestEnvironment.unique("restart") + ".");
        env.createTopics(List.of(topics.images(), topics.captions(), topics.errors(), topics.stageEvents(), topics.deadLetters(),
                topics.evaluations(), topics.metrics()), 1);
        long base = (System.currentTimeMillis() / 10_000 + 8_640) * 10_000;
        Map<String, Object> client = env.clientPropertiesWithRegistry();
        EvaluatorJob.Settings settings = new EvaluatorJob.Settings(TestEnvironment.unique("evaluator"), Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(500));
        Configuration retained = new Configuration();
        retained.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        retained.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        retained.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        SchemaRegistryClient registry = SchemaRegistryClient.create(env.schemaRegistryUrl());
        try (LocalFlinkCluster flink = LocalFlinkCluster.start(2);
             KafkaProducer<String, SpecificRecord> p = new KafkaProducer<>(env.clientProperties(Map.of()), new StringSerializer(),
                     new ConfluentAvroSerializer<>(registry))) {
            // window A [base, base+10 s): 3 images (one wrong) and 2 errors; a batch at +15 s closes it
            for (int i = 0; i < 3; i++) {
                send(p, topics.images(), "a-" + i, image("a-" + i, i < 2 ? "circle" : "square", base + 1_000 + i * 100));
            }
            send(p, topics.errors(), "a-err-0", error("a-err-0", ErrorReason.BAD_TOKENS, base + 2_000));
            send(p, topics.errors(), "a-err-1", error("a-err-1", ErrorReason.BAD_TOKENS, base + 2_100));
            send(p, topics.stageEvents(), "w", stage(4, base + 15_000));
            p.flush();
            JobClient first = EvaluatorJob.start(flink.environment(retained), topics, client, settings, SCORER);
            read(env, topics.metrics(), MetricsWindow.class, l -> l.stream().anyMatch(w -> isTumbling(w, base + 10_000)));

            // window B [base+20 s, base+30 s): read and held in window state when the job dies
            send(p, topics.images(), "b-0", image("b-0", "circle", base + 21_000));
            send(p, topics.images(), "b-1", image("b-1", "circle", base + 21_100));
            send(p, topics.errors(), "b-err-0", error("b-err-0", ErrorReason.PROMPT_MISSING, base + 22_000));
            p.flush();
            read(env, topics.evaluations(), EvaluationResult.class, l -> l.stream().filter(e -> e.getRequestId().startsWith("b-")).count() == 2);
            // B's evaluations were committed when a checkpoint holding B in window state completed; one more is retained on disk
            awaitCheckpointAfter(checkpoints, checkpointNumber(latestCheckpoint(checkpoints)));
            first.cancel().get();

            Configuration restore = new Configuration(retained);
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, latestCheckpoint(checkpoints).toString());
            send(p, topics.stageEvents(), "w", stage(2, base + 60_000)); // closes window B
            p.flush();
            JobClient second = EvaluatorJob.start(flink.environment(restore), topics, client, settings, SCORER);
            try {
                read(env, topics.metrics(), MetricsWindow.class, l -> l.stream().anyMatch(w -> isTumbling(w, base + 30_000)));
            } finally {
                second.cancel().get();
            }
        }

        List<MetricsWindow> windows = readAll(env, topics.metrics(), MetricsWindow.class);
        List<MetricsWindow> a = windows.stream().filter(w -> isTumbling(w, base + 10_000)).toList();
        List<MetricsWindow> b = windows.stream().filter(w -> isTumbling(w, base + 30_000)).toList();
        assertEquals(1, a.size(), "window A once: " + a);
        assertEquals(1, b.size(), "window B once, though the job died with it open: " + b);
        assertEquals(5, a.get(0).getResults());
        assertEquals(2.0 / 3, a.get(0).getAccuracyByTask().get("single_object"), 1e-9);
        assertEquals(3, b.get(0).getResults(), "B's images were in the restored state, its error too: " + b.get(0));
        assertEquals(1.0, b.get(0).getAccuracyByTask().get("single_object"), 1e-9);
        List<EvaluationResult> evaluations = readAll(env, topics.evaluations(), EvaluationResult.class);
        assertEquals(List.of("a-0", "a-1", "a-2", "b-0", "b-1"), evaluations.stream().map(e -> e.getRequestId().toString()).sorted().toList(),
                "each result evaluated once");
    }

    private static boolean isTumbling(MetricsWindow w, long end) {
        return w.getWindowKind() == WindowKind.TUMBLING && w.getWindowEndMs() == end;
    }

    /** The newest retained checkpoint ({@code <dir>/<job>/chk-N} with its metadata), read while Flink writes there. */
    private static Path latestCheckpoint(Path dir) throws Exception {
        List<Path> done = new ArrayList<>();
        try (Stream<Path> jobs = Files.list(dir)) {
            for (Path job : jobs.toList()) {
                try (Stream<Path> entries = Files.list(job)) {
                    entries.filter(p -> p.getFileName().toString().startsWith("chk-") && Files.exists(p.resolve("_metadata")))
                            .forEach(done::add);
                }
            }
        }
        return done.stream().max(Comparator.comparingInt(EvaluatorJobTest::checkpointNumber))
                .orElseThrow(() -> new AssertionError("no completed checkpoint under " + dir));
    }

    private static int checkpointNumber(Path chk) {
        return Integer.parseInt(chk.getFileName().toString().substring(4));
    }

    private static void awaitCheckpointAfter(Path dir, int number) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (checkpointNumber(latestCheckpoint(dir)) <= number) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no checkpoint after chk-" + number + " within " + WAIT);
            }
            Thread.onSpinWait();
        }
    }

    /** The topic's committed records until {@code done} holds (the job still running). */
    private static <V extends SpecificRecord> List<V> read(TestEnvironment env, String topic, Class<V> type, Predicate<List<V>> done) {
        List<V> out = new ArrayList<>();
        try (TopicReader reader = reader(env, topic, type)) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!done.test(out) && System.nanoTime() < deadline) {
                reader.poll(Duration.ofMillis(250)).forEach(r -> out.add(type.cast(r.value())));
            }
        }
        return out;
    }

    /** Every committed record of the topic, read to its end. */
    private static <V extends SpecificRecord> List<V> readAll(TestEnvironment env, String topic, Class<V> type) {
        List<V> out = new ArrayList<>();
        try (TopicReader reader = reader(env, topic, type)) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            do {
                reader.poll(Duration.ofMillis(250)).forEach(r -> out.add(type.cast(r.value())));
            } while (!reader.caughtUp() && System.nanoTime() < deadline);
        }
        return out;
    }

    private static <V extends SpecificRecord> TopicReader reader(TestEnvironment env, String topic, Class<V> type) {
        return TopicReader.assign(env.clientPropertiesWithRegistry(), List.of(new Topic<>(topic, "requestId", type)), TopicReader.Start.BEGINNING);
    }

    private static void send(KafkaProducer<String, SpecificRecord> p, String topic, String key, SpecificRecord value) {
        p.send(new ProducerRecord<>(topic, key, value));
    }

    private static ImageResult image(String id, String shape, long at) throws Exception {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(new HandMadeScene(32).add(shape, "red", "small", 16, 16).render(), "png", png);
        BenchmarkMetadata m = BenchmarkMetadata.newBuilder().setSuite("test").setTask("single_object").setPromptId(id)
                .setClauses(List.of(ObjectClause.newBuilder().setShape("circle").setCount(1).build())).build();
        return ImageResult.newBuilder().setRequestId(id).setKind(RequestKind.GENERATE).setPrompt("a circle")
                .setPng(ByteBuffer.wrap(png.toByteArray())).setWidth(32).setHeight(32).setVisualCodes(List.of(1, 2))
                .setSeed(0).setTimings(List.of(new StageTiming(Stage.LLAMA, "w", at - 400, at - 300, at - 200, 4)))
                .setCreatedAtMs(at - 400).setCompletedAtMs(at).setBenchmark(m).build();
    }

    private static CaptionResult caption(long at) {
        BenchmarkMetadata m = BenchmarkMetadata.newBuilder().setSuite("test").setTask("caption").setPromptId("cap-0")
                .setExpectedText("a small red circle")
                .setSceneObjects(List.of(new SceneObject("circle", "red", "small", 12f, 12f, 20f, 20f))).build();
        return CaptionResult.newBuilder().setRequestId("cap-0").setText("a small red circle").setCreatedAtMs(at - 400)
                .setCompletedAtMs(at).setBenchmark(m).build();
    }

    private static ErrorResult error(String id, ErrorReason reason, long at) {
        return ErrorResult.newBuilder().setRequestId(id).setKind(RequestKind.GENERATE).setReason(reason).setMessage("test")
                .setStage(Stage.LLAMA).setFailedAtMs(at).build();
    }

    private static StageEvent stage(int batch, long at) {
        return StageEvent.newBuilder().setStage(Stage.LLAMA).setWorker("w").setBatchId("b" + at).setBatchSize(batch)
                .setComputeMs(10).setOutcome(BatchOutcome.OK).setVisualCodes(List.of(1, 2, 3)).setStartedAtMs(at - 10)
                .setFinishedAtMs(at).build();
    }

    private static DeadLetter deadLetter(long at) {
        return DeadLetter.newBuilder().setSourceTopic("x").setPartition(0).setOffset(0).setRequestId("err-0")
                .setStage(Stage.LLAMA).setReason(ErrorReason.BAD_TOKENS).setMessage("test").setFailedAtMs(at).build();
    }
}
