package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.JobHeader;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batch of job records through one stage, without any Kafka client: each record is read into a
 * job or refused (unreadable, or its deadline passed), and the readable jobs are served in one
 * engine call. When the model itself fails on the batch, its jobs are served one by one, so that
 * only the job that breaks it is refused (MODEL_FAILURE).
 */
final class JobBatch {

    private static final Logger log = LoggerFactory.getLogger(JobBatch.class);

    private JobBatch() {
    }

    /**
     * A record read as a job: {@code job} and {@code header} when it can be served, else
     * {@code refused} (unreadable, or its deadline passed).
     */
    record Read<J>(J job, JobHeader header, ServedJob refused) {
    }

    /** Reads one record; {@link RegistryUnreachableException} is not the record's fault and is thrown. */
    static <J extends SpecificRecord> Read<J> read(BatchedStage<J> stage, Deserializer<J> jobs, ConsumerRecord<byte[], byte[]> r,
                                                   long nowMs) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        J job;
        try {
            job = jobs.deserialize(r.topic(), r.value());
            if (job == null) {
                throw new SerializationException("job record has no value");
            }
        } catch (RegistryUnreachableException e) {
            throw e; // the batch is served again once the registry answers
        } catch (SerializationException e) {
            return refused(r, null, key, ErrorReason.UNDECODABLE_RECORD, e.getMessage(), nowMs);
        }
        JobHeader header = stage.header(job);
        if (header == null) {
            return refused(r, null, key, ErrorReason.UNDECODABLE_RECORD, "job has no header: written before the header existed", nowMs);
        }
        Long deadline = header.getDeadlineMs();
        if (deadline != null && deadline <= nowMs) {
            return refused(r, header, header.getRequestId(), ErrorReason.DEADLINE_EXCEEDED,
                    "deadline passed " + (nowMs - deadline) + " ms before the " + stage.stage() + " stage started it", nowMs);
        }
        return new Read<>(job, header, null);
    }

    private static <J> Read<J> refused(ConsumerRecord<byte[], byte[]> r, JobHeader header, String id, ErrorReason reason,
                                       String message, long nowMs) {
        return new Read<>(null, header, new ServedJob(r, header, id, new Outcome.Refused(reason, message), nowMs));
    }

    /** One {@link ServedJob} per record, in order. */
    static <J extends SpecificRecord> List<ServedJob> serve(BatchedStage<J> stage, Deserializer<J> jobs,
                                                            List<ConsumerRecord<byte[], byte[]>> records, long nowMs) {
        List<ServedJob> out = new ArrayList<>(records.size());
        List<Integer> readable = new ArrayList<>();
        List<J> toServe = new ArrayList<>();
        List<JobHeader> headers = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Read<J> read = read(stage, jobs, r, nowMs);
            out.add(read.refused()); // null for a readable job: filled in once served
            if (read.refused() == null) {
                readable.add(out.size() - 1);
                toServe.add(read.job());
                headers.add(read.header());
            }
        }
        List<Outcome> served = isolating(stage, toServe);
        for (int k = 0; k < readable.size(); k++) {
            int i = readable.get(k);
            out.set(i, new ServedJob(records.get(i), headers.get(k), headers.get(k).getRequestId(), served.get(k), nowMs));
        }
        return out;
    }

    /** Serves {@code jobs} in one call; when the model fails on it, one by one, so only the culprit is refused (MODEL_FAILURE). */
    static <J extends SpecificRecord> List<Outcome> isolating(BatchedStage<J> stage, List<J> jobs) {
        if (jobs.isEmpty()) {
            return List.of();
        }
        try {
            return stage.process(jobs);
        } catch (EngineException | IllegalArgumentException | IllegalStateException e) {
            if (jobs.size() == 1) {
                return List.of(new Outcome.Refused(ErrorReason.MODEL_FAILURE, String.valueOf(e.getMessage())));
            }
            log.warn("{} engine failed on a batch of {} ({}); serving its jobs one by one", stage.stage(), jobs.size(), e.toString());
            List<Outcome> out = new ArrayList<>(jobs.size());
            for (J job : jobs) {
                out.addAll(isolating(stage, List.of(job)));
            }
            return out;
        }
    }
}
