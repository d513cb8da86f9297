package dev.ddtstream.tests.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.bundle.BatchPolicy;
import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.encoder.DdtEncoder;
import dev.ddtstream.gpu.pool.BatchObserver;
import dev.ddtstream.gpu.pool.BatchedStage;
import dev.ddtstream.gpu.pool.EncoderStage;
import dev.ddtstream.gpu.pool.Outcome;
import dev.ddtstream.gpu.pool.PoolSettings;
import dev.ddtstream.gpu.pool.WorkerPool;
import dev.ddtstream.gpu.runtime.RuntimeConfig;
import dev.ddtstream.gpu.runtime.SessionFactory;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.gpu.service.GpuWorkersConfig;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A dead worker is never silent: on the real broker, a pool over a stage made to fail (a real
 * encoder stage wrapped so that its engine call throws) restarts the failed worker and serves its
 * jobs once, or gives it up and says so; the service's HTTP port answers its probes and, when
 * taken, stops the service before it joins any group.
 */
@ExtendWith(TestEnvironmentExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerSupervisionWithFailingStageTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private final StageJobs golden = new StageJobs();
    private ModelBundle bundle;

    @BeforeAll
    void load() {
        bundle = ModelBundle.load(StageJobs.BUNDLE, new SessionFactory(RuntimeConfig.singleThreadedCpu()));
    }

    @AfterAll
    void unload() {
        bundle.close();
    }

    /** The real encoder stage on its own job topic, with something done before each engine call. */
    private abstract class WrappedEncoder implements BatchedStage<EncoderJob> {
        private final EncoderStage real = new EncoderStage(new DdtEncoder(bundle));
        private final Topic<EncoderJob> topic;

        WrappedEncoder(String topic) {
            this.topic = new Topic<>(topic, "requestId", EncoderJob.class);
        }

        abstract void beforeCall();

        @Override
        public Stage stage() {
            return Stage.ENCODER;
        }

        @Override
        public Topic<EncoderJob> jobTopic() {
            return topic;
        }

        @Override
        public JobHeader header(EncoderJob job) {
            return job.getHeader();
        }

        @Override
        public List<Outcome> process(List<EncoderJob> jobs) {
            beforeCall();
            return real.process(jobs);
        }
    }

    /** Throws, as a bug would, on its first {@code failures} calls. */
    private final class FailingEncoder extends WrappedEncoder {
        private final AtomicInteger failuresLeft;

        FailingEncoder(String topic, int failures) {
            super(topic);
            this.failuresLeft = new AtomicInteger(failures);
        }

        @Override
        void beforeCall() {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new NullPointerException("a bug in the stage");
            }
        }
    }

    /** Its first batch takes {@code extra} longer (a deep model's long batch). */
    private final class SlowEncoder extends WrappedEncoder {
        private final Duration extra;
        private final AtomicInteger calls = new AtomicInteger();

        SlowEncoder(String topic, Duration extra) {
            super(topic);
            this.extra = extra;
        }

        @Override
        void beforeCall() {
            if (calls.getAndIncrement() == 0) {
                try {
                    Thread.sleep(extra.toMillis()); // stands in for compute, not for a condition
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Test
    void aBatchLongerThanThePollIntervalKeepsItsPartitionsAndCommitsOnce(TestEnvironment env) throws Exception {
        String run = TestEnvironment.unique("long-batch");
        Provisioning.createTopics(env.clientProperties(), 2);
        env.createTopics(List.of(run), 1);
        String id = run + "-0";
        WorkerPoolsTest.publish(env, new Topic<>(run, "requestId", EncoderJob.class),
                Map.of(id, StageJobs.encoder(id, golden.encoderImages.get(0), null)));
        Map<String, Object> client = new LinkedHashMap<>(env.clientPropertiesWithRegistry());
        client.put("max.poll.interval.ms", 2000); // a batch takes 10 s, past this and the 6 s session: polling must go on
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SlowEncoder stage = new SlowEncoder(run, Duration.ofSeconds(10));
        WorkerPool<EncoderJob> pool = WorkerPool.start(stage, settings(run, 5), client, meters, BatchObserver.NONE, t -> { });
        try {
            Map<String, List<EncoderResult>> results = TopicTap.read(env, Topics.ENCODER_RESULTS, Set.of(id), true,
                    TopicTap.all(Set.of(id)), WAIT);
            assertEquals(1, results.get(id).size());
            assertEquals(1, stage.calls.get(), "the batch was computed once: never put back");
            assertEquals(0, meters.counter("ddt.worker.transactions", "stage", "ENCODER", "result", "aborted").count());
            assertEquals(1, meters.counter("ddt.worker.transactions", "stage", "ENCODER", "result", "committed").count());
            assertEquals(0, pool.restarts());
        } finally {
            pool.close();
        }
    }

    @Test
    void aWorkerThatFailsIsRestartedAndServesItsJobsOnce(TestEnvironment env) throws Exception {
        String run = TestEnvironment.unique("restart");
        Provisioning.createTopics(env.clientProperties(), 2);
        env.createTopics(List.of(run), 1);
        Map<String, SpecificRecord> jobs = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            jobs.put(run + "-" + i, StageJobs.encoder(run + "-" + i, golden.encoderImages.get(0), null));
        }
        WorkerPoolsTest.publish(env, new Topic<>(run, "requestId", EncoderJob.class), jobs);
        CompletableFuture<Throwable> gaveUp = new CompletableFuture<>();
        WorkerPool<EncoderJob> pool = WorkerPool.start(new FailingEncoder(run, 2), settings(run, 5), env.clientPropertiesWithRegistry(),
                new SimpleMeterRegistry(), BatchObserver.NONE, gaveUp::complete);
        try {
            Map<String, List<EncoderResult>> results = TopicTap.read(env, Topics.ENCODER_RESULTS, jobs.keySet(), true,
                    TopicTap.all(jobs.keySet()), WAIT);
            assertEquals(jobs.keySet(), results.keySet());
            results.forEach((id, r) -> assertEquals(1, r.size(), "one result for " + id));
            assertEquals(golden.encoderCodes.get(0), results.get(run + "-0").get(0).getTokens());
            assertEquals(2, pool.restarts(), "each failure restarted the worker");
            assertTrue(pool.healthy());
            assertFalse(gaveUp.isDone());
        } finally {
            pool.close();
        }
    }

    @Test
    void aWorkerThatKeepsFailingIsGivenUpAndThePoolSaysSo(TestEnvironment env) throws Exception {
        String run = TestEnvironment.unique("giveup");
        env.createTopics(List.of(run), 1);
        WorkerPoolsTest.publish(env, new Topic<>(run, "requestId", EncoderJob.class),
                Map.of(run + "-0", StageJobs.encoder(run + "-0", golden.encoderImages.get(0), null)));
        CompletableFuture<Throwable> gaveUp = new CompletableFuture<>();
        WorkerPool<EncoderJob> pool = WorkerPool.start(new FailingEncoder(run, Integer.MAX_VALUE), settings(run, 2),
                env.clientPropertiesWithRegistry(), new SimpleMeterRegistry(), BatchObserver.NONE, gaveUp::complete);
        try {
            Throwable cause = gaveUp.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(String.valueOf(cause).contains("a bug in the stage"), String.valueOf(cause));
            assertFalse(pool.healthy());
            assertEquals(2, pool.restarts(), "restarted as often as the policy allows, then given up");
        } finally {
            pool.close();
        }
    }

    @Test
    void theServiceAnswersItsProbesAndATakenPortStopsItBeforeItJoinsItsGroup(TestEnvironment env) throws Exception {
        String run = TestEnvironment.unique("probes");
        Provisioning.createTopics(env.clientProperties(), 2);
        HttpClient http = HttpClient.newHttpClient();
        try (GpuWorkers workers = GpuWorkers.start(config(env, run, 0))) {
            String base = workers.httpUrl().orElseThrow();
            long deadline = System.nanoTime() + WAIT.toNanos();
            HttpResponse<String> ready;
            do {
                ready = http.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
            } while (ready.statusCode() != 200 && System.nanoTime() < deadline);
            assertEquals(200, ready.statusCode(), ready.body());
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
        }

        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String group = TestEnvironment.unique("never-joined");
            Properties p = properties(env, run, taken.getLocalPort());
            p.setProperty("llama.group", group);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> GpuWorkers.start(GpuWorkersConfig.from(p, Map.of())));
            assertTrue(e.getMessage().contains("http.port"), e.getMessage());
            try (Admin admin = Admin.create(env.clientProperties())) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                assertTrue(d.members().isEmpty(), "no worker joined " + group + ": " + d.members());
            } catch (ExecutionException e2) {
                assertInstanceOf(GroupIdNotFoundException.class, e2.getCause(), "the group was never made");
            }
        }
    }

    private static PoolSettings settings(String run, int maxRestarts) {
        return new PoolSettings(run + "-group", run, 1, new BatchPolicy(4, Duration.ofMillis(20)), Duration.ofSeconds(6),
                new PoolSettings.RestartPolicy(maxRestarts, Duration.ofMillis(10), Duration.ofMillis(50)), PoolSettings.Scheduler.STATIC,
                PoolSettings.DEFAULT_COMMIT_INTERVAL);
    }

    private static GpuWorkersConfig config(TestEnvironment env, String run, int port) {
        return GpuWorkersConfig.from(properties(env, run, port), Map.of());
    }

    private static Properties properties(TestEnvironment env, String run, int port) {
        Properties p = new Properties();
        env.clientProperties().forEach((k, v) -> p.setProperty("kafka." + k, String.valueOf(v)));
        p.setProperty("schema.registry.url", env.schemaRegistryUrl());
        p.setProperty("bundle", StageJobs.BUNDLE.toString());
        p.setProperty("device", "cpu");
        p.setProperty("ort.intra-op-threads", "1");
        p.setProperty("stages", "llama");
        p.setProperty("llama.group", run + "-llama");
        p.setProperty("instance", run);
        p.setProperty("http.port", Integer.toString(port));
        return p;
    }
}
