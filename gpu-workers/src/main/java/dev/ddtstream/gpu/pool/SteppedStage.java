package dev.ddtstream.gpu.pool;

import org.apache.avro.specific.SpecificRecord;

/**
 * A stage whose engine works in steps that jobs may join and leave between (LLaMA: one token per
 * step), so that a pool can run it continuously ({@link ContinuousWorker}) instead of batch by
 * batch. {@link #process} still serves a whole batch, and serves a job alone when a loop's step
 * fails.
 *
 * @param <J> the job record type
 */
public interface SteppedStage<J extends SpecificRecord> extends BatchedStage<J> {

    /** A new loop, for one worker's thread, holding at most {@code maxJobs} jobs at a time. */
    <T> StepLoop<J, T> loop(int maxJobs);
}
