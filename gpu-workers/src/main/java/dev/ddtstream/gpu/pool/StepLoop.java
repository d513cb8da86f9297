package dev.ddtstream.gpu.pool;

import java.util.List;
import java.util.function.Predicate;

/**
 * A running batch that jobs join and leave at every step (iteration-level batching, as vLLM
 * schedules): a job joins at the next {@link #step()} after {@link #join}, and leaves at the step
 * it finishes, with its outcome. One worker thread drives a loop; {@code T} tags each job for it.
 *
 * @param <J> the stage's job type
 * @param <T> the caller's tag of a job
 */
public interface StepLoop<J, T> {

    /** A job that finished at a step, with the tag it joined with. */
    record Finished<T>(T tag, Outcome outcome) {
    }

    /** Whether {@code job} has room beside the jobs running and waiting to join now. */
    boolean fits(J job);

    /**
     * Queues {@code job} to join at the next step.
     *
     * @return a refusal when the job's input cannot be served (it never joins), else null
     */
    Outcome join(J job, T tag);

    /**
     * One step for every job: joiners start (a prefill), the others advance by one iteration.
     *
     * @return the jobs that finished in it
     * @throws dev.ddtstream.gpu.engine.EngineException the model failed on the step; the loop's
     *         jobs are then in an unknown state and the caller cancels them
     */
    List<Finished<T>> step();

    /** Removes the jobs whose tags match, running or waiting, without an outcome; returns their tags. */
    List<T> cancel(Predicate<T> which);

    /** Jobs running or waiting to join. */
    int size();

    default boolean isEmpty() {
        return size() == 0;
    }
}
