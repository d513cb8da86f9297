package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.BatchOutcome;
import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageEvent;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.schemas.Topics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What one served batch publishes, in one transaction with its offsets: a result for each served
 * job; for each refused job an error result (when its request is known) and, for input the stage
 * could not use, a dead letter with the raw record (a missed deadline is no fault of the record:
 * no dead letter); and the batch's stage event, last. A static batch's jobs share one start; jobs
 * that joined a running loop ({@link ContinuousWorker}) each have their own, and the event starts
 * with the earliest.
 *
 * @param records every record to send, the stage event last
 * @param event   the batch's stage event (also in {@code records})
 */
record BatchRecords(List<ProducerRecord<String, SpecificRecord>> records, StageEvent event) {

    static BatchRecords of(Stage stage, String workerId, String batchId, List<ServedJob> jobs, long finishedAt) {
        long startedAt = jobs.stream().mapToLong(ServedJob::startedAtMs).min().orElse(finishedAt);
        List<ProducerRecord<String, SpecificRecord>> out = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<Long> waits = new ArrayList<>();
        List<Integer> codes = new ArrayList<>();
        int errors = 0;
        for (ServedJob j : jobs) {
            if (j.readable()) {
                ids.add(j.requestId());
                waits.add(j.startedAtMs() - j.header().getEnqueuedAtMs());
            }
            if (j.outcome() instanceof Outcome.Produced p) {
                StageTiming timing = new StageTiming(stage, workerId, j.header().getEnqueuedAtMs(), j.startedAtMs(), finishedAt,
                        jobs.size());
                out.add(new ProducerRecord<>(p.topic().name(), j.requestId(), p.result().apply(timing)));
                for (int c : p.visualCodes()) {
                    codes.add(c);
                }
            } else if (j.outcome() instanceof Outcome.Refused refused) {
                errors++;
                refusal(stage, j, refused, finishedAt, out);
            }
        }
        BatchOutcome outcome = errors == 0 ? BatchOutcome.OK : errors == jobs.size() ? BatchOutcome.FAILED : BatchOutcome.PARTIAL;
        StageEvent event = StageEvent.newBuilder()
                .setStage(stage)
                .setWorker(workerId)
                .setBatchId(batchId)
                .setBatchSize(jobs.size())
                .setRequestIds(ids)
                .setQueueWaitMs(waits)
                .setComputeMs(finishedAt - startedAt)
                .setOutcome(outcome)
                .setErrorCount(errors)
                .setVisualCodes(codes)
                .setStartedAtMs(startedAt)
                .setFinishedAtMs(finishedAt)
                .build();
        out.add(new ProducerRecord<>(Topics.STAGE_EVENTS.name(), workerId, event));
        return new BatchRecords(List.copyOf(out), event);
    }

    private static void refusal(Stage stage, ServedJob j, Outcome.Refused refused, long at,
                                List<ProducerRecord<String, SpecificRecord>> out) {
        if (j.requestId() != null) {
            ErrorResult error = ErrorResult.newBuilder()
                    .setRequestId(j.requestId())
                    .setKind(j.readable() ? j.header().getKind() : null)
                    .setReason(refused.reason())
                    .setMessage(refused.message())
                    .setStage(stage)
                    .setFailedAtMs(at)
                    .build();
            out.add(new ProducerRecord<>(Topics.ERROR_RESULTS.name(), j.requestId(), error));
        }
        if (refused.reason() == ErrorReason.DEADLINE_EXCEEDED) {
            return;
        }
        ConsumerRecord<byte[], byte[]> r = j.record();
        DeadLetter letter = DeadLetter.newBuilder()
                .setSourceTopic(r.topic())
                .setPartition(r.partition())
                .setOffset(r.offset())
                .setKey(r.key() == null ? null : ByteBuffer.wrap(r.key()))
                .setValue(r.value() == null ? null : ByteBuffer.wrap(r.value()))
                .setRequestId(j.requestId())
                .setStage(stage)
                .setReason(refused.reason())
                .setMessage(refused.message())
                .setFailedAtMs(at)
                .build();
        out.add(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), j.requestId() != null ? j.requestId() : r.topic(), letter));
    }
}
