package dev.ddtstream.gpu.pool;

/**
 * One member of a pool as its slot in {@link WorkerPool} runs it: {@link #run()} on the slot's
 * thread until it stops, fails or is killed. {@link StageWorker} serves static batches;
 * {@link ContinuousWorker} keeps a running loop that jobs join and leave at every step.
 */
interface PoolWorker extends Runnable {

    String workerId();

    /** Why {@link #run()} ended, when it failed; null otherwise. */
    Throwable failure();

    boolean killed();

    /** Whether a transaction of this worker's has been committed: after a restart, the failure was not the same at once. */
    boolean committedAny();

    /** Whether the worker has joined its group (its assignment may be empty: more members than partitions). */
    boolean joined();

    /** Asks the loop to stop after the work in flight; queued jobs stay uncommitted for the next owner. */
    void stop();

    /** Simulates a crash: the clients close at once, nothing more is committed or aborted. */
    void kill();
}
