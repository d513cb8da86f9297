package dev.ddtstream.tests.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaMode;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.gpu.service.GpuWorkersConfig;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The continuous LLaMA worker's commit rule on the real broker: one guided image job (16 tokens)
 * and, behind it in the same partition, three 2-token text jobs. The texts finish first and are
 * committed with the partition's offset held at the image job; the worker dies inside the image
 * job's transaction. Its successor serves all four again from that offset: the image job ends
 * with exactly one committed result, each text job with two identical ones (the orchestrators
 * ignore the second), and nothing is lost.
 */
@ExtendWith(TestEnvironmentExtension.class)
class ContinuousWorkerKillTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private final StageJobs golden = new StageJobs();

    @Test
    void resultsCommittedAboveARunningJobAreServedAgainAndNothingIsLost(TestEnvironment env) throws Exception {
        Provisioning.createTopics(env.clientProperties(), 2);
        String run = TestEnvironment.unique("cw");
        String image = run + "-image";
        Map<String, LlamaJob> jobs = imageThenThreeTexts(golden, run);
        long first = publishToPartitionZero(env, jobs);
        startGroupAt(env, run + "-group", first);

        // every text result sent (and committed) before: this transaction is the image job's
        KillSwitch killInTheImagesTransaction = new KillSwitch(Stage.LLAMA, (transaction, before, size) -> before >= 3);
        GpuWorkers workers = GpuWorkers.start(config(env, run), killInTheImagesTransaction, failure -> { });
        killInTheImagesTransaction.arm(workers);
        killInTheImagesTransaction.awaitKilled(WAIT);
        workers.close();
        assertEquals(3, killInTheImagesTransaction.jobsSent() - 1, "three text results committed, then the image's sent");

        try (GpuWorkers restarted = GpuWorkers.start(config(env, run))) {
            Map<String, List<LlamaResult>> results = TopicTap.read(env, Topics.LLAMA_RESULTS, jobs.keySet(), true,
                    m -> m.getOrDefault(image, List.of()).size() == 1 && m.values().stream().mapToInt(List::size).sum() == 7, WAIT);
            assertEquals(1, results.getOrDefault(image, List.of()).size(), "exactly one committed result for the image job");
            assertEquals(golden.generateCodes, results.get(image).get(0).getVisualCodes());
            for (String id : jobs.keySet()) {
                if (!id.equals(image)) {
                    List<LlamaResult> twice = results.getOrDefault(id, List.of());
                    assertEquals(2, twice.size(), id + ": committed above the running image job, so served again");
                    assertEquals(twice.get(0).getGeneratedTokens(), twice.get(1).getGeneratedTokens(), "the same tokens both times");
                    assertTrue(twice.get(0).getGeneratedTokens().size() <= 2);
                }
            }
        }
    }

    /** {@code <run>-image}: a guided 16-token image job; then {@code <run>-text-0..2}: 2-token text jobs. */
    static Map<String, LlamaJob> imageThenThreeTexts(StageJobs golden, String run) {
        Map<String, LlamaJob> jobs = new LinkedHashMap<>();
        jobs.put(run + "-image", golden.generate(run + "-image", 0f, 1));
        SamplingParams twoWords = new SamplingParams(0f, 0, 1f, 1f, 2);
        for (int i = 0; i < 3; i++) {
            String id = run + "-text-" + i;
            jobs.put(id, new LlamaJob(LlamaMode.TEXT, golden.generatePrompt, null, twoWords, 1L,
                    new JobHeader(id, RequestKind.CAPTION, System.currentTimeMillis(), null)));
        }
        return jobs;
    }

    static long publishToPartitionZero(TestEnvironment env, Map<String, LlamaJob> jobs) throws Exception {
        SchemaRegistryClient registry = SchemaRegistryClient.create(env.schemaRegistryUrl());
        long first = -1;
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(env.clientProperties(Map.of()),
                new StringSerializer(), new ConfluentAvroSerializer<>(registry))) {
            for (Map.Entry<String, LlamaJob> e : jobs.entrySet()) {
                RecordMetadata m = producer.send(new ProducerRecord<>(Topics.LLAMA_JOBS.name(), 0, e.getKey(), e.getValue())).get();
                first = first < 0 ? m.offset() : first;
            }
        }
        return first;
    }

    /** A new group that starts at this run's first job in partition 0 and at the end of partition 1 (tests share the topic). */
    static void startGroupAt(TestEnvironment env, String group, long first) throws Exception {
        TopicPartition p0 = new TopicPartition(Topics.LLAMA_JOBS.name(), 0);
        TopicPartition p1 = new TopicPartition(Topics.LLAMA_JOBS.name(), 1);
        try (Admin admin = Admin.create(env.clientProperties())) {
            long end1 = admin.listOffsets(Map.of(p1, OffsetSpec.latest())).partitionResult(p1).get().offset();
            admin.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(first), p1, new OffsetAndMetadata(end1)))
                    .all().get();
        }
    }

    static GpuWorkersConfig config(TestEnvironment env, String run) {
        return config(env, run, 0);
    }

    /** One continuous LLaMA worker of its own group; {@code commitIntervalMs} 0: a transaction per finishing step. */
    static GpuWorkersConfig config(TestEnvironment env, String run, long commitIntervalMs) {
        Properties p = new Properties();
        env.clientProperties().forEach((k, v) -> p.setProperty("kafka." + k, String.valueOf(v)));
        p.setProperty("schema.registry.url", env.schemaRegistryUrl());
        p.setProperty("bundle", StageJobs.BUNDLE.toString());
        p.setProperty("device", "cpu");
        p.setProperty("ort.intra-op-threads", "1");
        p.setProperty("stages", "llama");
        p.setProperty("instance", run);
        p.setProperty("http.port", "-1");
        p.setProperty("llama.group", run + "-group");
        p.setProperty("llama.scheduler", "continuous");
        p.setProperty("llama.batch.max-size", "4");
        p.setProperty("llama.commit-interval-ms", Long.toString(commitIntervalMs));
        return GpuWorkersConfig.from(p, Map.of());
    }
}
