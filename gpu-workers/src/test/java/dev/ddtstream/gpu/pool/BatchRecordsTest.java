package dev.ddtstream.gpu.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ddtstream.events.BatchOutcome;
import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageEvent;
import dev.ddtstream.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** What a served batch publishes, as a pure function of its outcomes. */
class BatchRecordsTest {

    private static final long STARTED = 2_000;
    private static final long FINISHED = 2_300;

    @Test
    void aMixedBatchPublishesResultsErrorsDeadLettersAndOneStageEvent() {
        List<ServedJob> jobs = List.of(
                served(0, "ok", new JobHeader("ok", RequestKind.GENERATE, 1_500L, null), produced("ok", 7, 8)),
                served(1, "late", new JobHeader("late", RequestKind.EDIT, 1_900L, 1_950L),
                        new Outcome.Refused(ErrorReason.DEADLINE_EXCEEDED, "deadline passed")),
                served(2, null, null, new Outcome.Refused(ErrorReason.UNDECODABLE_RECORD, "bad frame")),
                served(3, "broken", new JobHeader("broken", RequestKind.GENERATE, 1_800L, null),
                        new Outcome.Refused(ErrorReason.MODEL_FAILURE, "nan")));
        BatchRecords out = BatchRecords.of(Stage.MMDIT, "w-mmdit-0", "w-mmdit-0-9", jobs, FINISHED);
        List<ProducerRecord<String, SpecificRecord>> r = out.records();

        assertEquals(List.of(Topics.MMDIT_RESULTS.name(), Topics.ERROR_RESULTS.name(), Topics.DEAD_LETTERS.name(),
                Topics.ERROR_RESULTS.name(), Topics.DEAD_LETTERS.name(), Topics.STAGE_EVENTS.name()),
                r.stream().map(ProducerRecord::topic).toList(),
                "a result; an error but no dead letter for the missed deadline; a dead letter only for the unreadable record "
                        + "(no id to answer); both for the model failure; the stage event last");
        MmditResult result = (MmditResult) r.get(0).value();
        assertEquals(Stage.MMDIT, result.getTiming().getStage());
        assertEquals(1_500L, result.getTiming().getEnqueuedAtMs());
        assertEquals(4, result.getTiming().getBatchSize());

        ErrorResult late = (ErrorResult) r.get(1).value();
        assertEquals("late", r.get(1).key());
        assertEquals(RequestKind.EDIT, late.getKind());
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, late.getReason());

        DeadLetter unreadable = (DeadLetter) r.get(2).value();
        assertEquals(Topics.MMDIT_JOBS.name(), r.get(2).key(), "no request id: keyed by the source topic");
        assertNull(unreadable.getRequestId());
        assertEquals(2, unreadable.getOffset());
        assertEquals(ByteBuffer.wrap("value-2".getBytes(StandardCharsets.UTF_8)), unreadable.getValue());

        StageEvent event = out.event();
        assertEquals(event, r.get(5).value());
        assertEquals("w-mmdit-0", r.get(5).key());
        assertEquals(BatchOutcome.PARTIAL, event.getOutcome());
        assertEquals(3, event.getErrorCount());
        assertEquals(4, event.getBatchSize());
        assertEquals(List.of("ok", "late", "broken"), event.getRequestIds(), "the readable jobs");
        assertEquals(List.of(500L, 100L, 200L), event.getQueueWaitMs());
        assertEquals(300, event.getComputeMs());
        assertEquals(List.of(7, 8), event.getVisualCodes());
    }

    @Test
    void theOutcomeSaysWhetherAnyJobFailed() {
        ServedJob ok = served(0, "a", new JobHeader("a", RequestKind.GENERATE, 1_000L, null), produced("a", 1));
        ServedJob bad = served(1, null, null, new Outcome.Refused(ErrorReason.UNDECODABLE_RECORD, "x"));
        assertEquals(BatchOutcome.OK, BatchRecords.of(Stage.MMDIT, "w", "b", List.of(ok), FINISHED).event().getOutcome());
        assertEquals(BatchOutcome.FAILED, BatchRecords.of(Stage.MMDIT, "w", "b", List.of(bad), FINISHED).event().getOutcome());
    }

    private static Outcome produced(String id, int... codes) {
        return new Outcome.Produced(Topics.MMDIT_RESULTS, t -> MmditResult.newBuilder().setRequestId(id).setKind(RequestKind.GENERATE)
                .setPng(ByteBuffer.wrap(new byte[0])).setWidth(1).setHeight(1).setTiming(t).build(), codes);
    }

    private static ServedJob served(long offset, String id, JobHeader header, Outcome outcome) {
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(Topics.MMDIT_JOBS.name(), 0, offset,
                id == null ? null : id.getBytes(StandardCharsets.UTF_8), ("value-" + offset).getBytes(StandardCharsets.UTF_8));
        return new ServedJob(r, header, id, outcome, STARTED);
    }
}
