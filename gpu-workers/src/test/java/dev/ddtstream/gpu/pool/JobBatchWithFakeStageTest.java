package dev.ddtstream.gpu.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.MmditJob;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

/**
 * A batch of job records through a stage, without Kafka: a fake stage whose engine breaks on a
 * "poison" job, and a fake deserializer that maps record values to prepared jobs.
 */
class JobBatchWithFakeStageTest {

    private static final long NOW = 1_000_000;

    /** Serves each job with a result naming its codes; a job whose first code is 666 breaks the whole engine call. */
    private static final class FakeStage implements BatchedStage<MmditJob> {
        final List<Integer> callSizes = new ArrayList<>();

        @Override
        public Stage stage() {
            return Stage.MMDIT;
        }

        @Override
        public Topic<MmditJob> jobTopic() {
            return Topics.MMDIT_JOBS;
        }

        @Override
        public JobHeader header(MmditJob job) {
            return job.getHeader();
        }

        @Override
        public List<Outcome> process(List<MmditJob> jobs) {
            callSizes.add(jobs.size());
            if (jobs.stream().anyMatch(j -> j.getVisualCodes().get(0) == 666)) {
                throw new EngineException("the model broke", null);
            }
            return jobs.stream().<Outcome>map(j -> new Outcome.Produced(Topics.MMDIT_RESULTS, t -> MmditResult.newBuilder()
                    .setRequestId(j.getHeader().getRequestId()).setKind(RequestKind.GENERATE).setPng(ByteBuffer.wrap(new byte[0]))
                    .setWidth(1).setHeight(1).setTiming(t).build(), new int[] {j.getVisualCodes().get(0)})).toList();
        }
    }

    @Test
    void servesTheReadableJobsInOneCallAndRefusesTheRestWithTheirReasons() {
        Map<String, MmditJob> jobs = Map.of(
                "ok-1", job("ok-1", 1, null),
                "late", job("late", 2, NOW - 5),
                "no-header", new MmditJob(List.of(3), 0L, null, null),
                "ok-2", job("ok-2", 4, NOW + 60_000));
        FakeStage stage = new FakeStage();
        List<ServedJob> served = JobBatch.serve(stage, reader(jobs),
                List.of(record(0, "ok-1"), record(1, "late"), record(2, "garbage"), record(3, "no-header"), record(4, "ok-2")), NOW);

        assertEquals(List.of(2), stage.callSizes, "one engine call for the two readable jobs in time");
        assertEquals(5, served.size());
        assertInstanceOf(Outcome.Produced.class, served.get(0).outcome());
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, refused(served.get(1)).reason());
        assertEquals("late", served.get(1).requestId());
        assertEquals(ErrorReason.UNDECODABLE_RECORD, refused(served.get(2)).reason());
        assertNull(served.get(2).header());
        assertEquals("garbage", served.get(2).requestId(), "an unreadable job is answered by its record key");
        assertEquals(ErrorReason.UNDECODABLE_RECORD, refused(served.get(3)).reason(), "a job without a header");
        assertInstanceOf(Outcome.Produced.class, served.get(4).outcome());
        assertEquals("ok-2", served.get(4).requestId());
    }

    @Test
    void aModelFailureIsIsolatedToTheJobThatCausesIt() {
        Map<String, MmditJob> jobs = Map.of("a", job("a", 1, null), "poison", job("poison", 666, null), "b", job("b", 2, null));
        FakeStage stage = new FakeStage();
        List<ServedJob> served = JobBatch.serve(stage, reader(jobs), List.of(record(0, "a"), record(1, "poison"), record(2, "b")), NOW);
        assertEquals(List.of(3, 1, 1, 1), stage.callSizes, "the batch, then each job alone");
        assertInstanceOf(Outcome.Produced.class, served.get(0).outcome());
        assertEquals(ErrorReason.MODEL_FAILURE, refused(served.get(1)).reason());
        assertInstanceOf(Outcome.Produced.class, served.get(2).outcome());
    }

    @Test
    void aRegistryThatDoesNotAnswerPutsTheBatchBackInsteadOfRefusingItsJobs() {
        Map<String, MmditJob> jobs = Map.of("a", job("a", 1, null));
        Deserializer<MmditJob> registryAway = (topic, bytes) -> {
            throw new RegistryUnreachableException("no Schema Registry answered", null);
        };
        FakeStage stage = new FakeStage();
        assertThrows(RegistryUnreachableException.class, () -> JobBatch.serve(stage, registryAway, List.of(record(0, "a")), NOW),
                "a readable job must not be answered UNDECODABLE_RECORD because the registry is away");
        assertEquals(List.of(), stage.callSizes);
    }

    private static Outcome.Refused refused(ServedJob j) {
        return assertInstanceOf(Outcome.Refused.class, j.outcome());
    }

    private static MmditJob job(String id, int code, Long deadline) {
        return new MmditJob(List.of(code), 0L, new JobHeader(id, RequestKind.GENERATE, NOW - 10, deadline), null);
    }

    /** Values are the job's key as bytes; anything else is unreadable. */
    private static Deserializer<MmditJob> reader(Map<String, MmditJob> jobs) {
        return (topic, bytes) -> {
            MmditJob j = jobs.get(new String(bytes, StandardCharsets.UTF_8));
            if (j == null) {
                throw new SerializationException("not a job");
            }
            return j;
        };
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String id) {
        byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
        return new ConsumerRecord<>(Topics.MMDIT_JOBS.name(), 0, offset, bytes, bytes);
    }
}
