package dev.ddtstream.gpu.pool;

/**
 * Sees each batch between "every record of it sent" and "transaction committed": the window
 * in which a crash must lose nothing and duplicate nothing. Fault-injection tests kill a worker
 * there; called on the worker's thread.
 */
@FunctionalInterface
public interface BatchObserver {

    BatchObserver NONE = (workerId, batchId, size) -> { };

    void sentUncommitted(String workerId, String batchId, int size);
}
