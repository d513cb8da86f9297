package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.JobHeader;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One job record of a batch and what became of it.
 *
 * @param record    the record as consumed (its raw bytes go into a dead letter)
 * @param header    the job's header, or null when the record could not be read as a job
 * @param requestId the request it serves: the header's, else the record key, else null
 * @param outcome   a result for the stage's result topic, or a refusal
 * @param startedAtMs when the stage started it: a batch's start, or when it joined a running loop
 */
record ServedJob(ConsumerRecord<byte[], byte[]> record, JobHeader header, String requestId, Outcome outcome, long startedAtMs) {

    ServedJob {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(outcome, "outcome");
    }

    ServedJob withOutcome(Outcome o) {
        return new ServedJob(record, header, requestId, o, startedAtMs);
    }

    /** Whether the record was a readable job (queue wait is known for it). */
    boolean readable() {
        return header != null;
    }
}
