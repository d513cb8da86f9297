package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.RequestKind;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * The bookkeeping fields every job schema carries ({@code requestId}, {@code kind},
 * {@code enqueuedAtMs}, {@code deadlineMs}), read the same way from any stage's job.
 *
 * @param deadlineMs epoch ms, or null for none
 */
record JobHeader(String requestId, RequestKind kind, long enqueuedAtMs, Long deadlineMs) {

    static final String[] FIELDS = {"requestId", "kind", "enqueuedAtMs", "deadlineMs"};

    static JobHeader of(SpecificRecord job) {
        Schema s = job.getSchema();
        return new JobHeader(
                String.valueOf(job.get(s.getField("requestId").pos())),
                (RequestKind) job.get(s.getField("kind").pos()),
                (Long) job.get(s.getField("enqueuedAtMs").pos()),
                (Long) job.get(s.getField("deadlineMs").pos()));
    }

    /** Refuses, at pool start, a job type that lacks one of the fields. */
    static void requireFields(Schema jobSchema) {
        for (String f : FIELDS) {
            if (jobSchema.getField(f) == null) {
                throw new IllegalArgumentException("job schema " + jobSchema.getFullName() + " has no field " + f);
            }
        }
    }
}
