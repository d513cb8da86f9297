package dev.ddtstream.tests.workers;

import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.pool.BatchObserver;
import dev.ddtstream.gpu.service.GpuWorkers;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Crashes one stage's pool from inside a transaction: its results sent, its offsets not yet
 * committed. Pass it as the {@link BatchObserver} when starting the workers, {@link #arm} it with
 * them, and it kills the pool at the first transaction of the stage for which {@code when} holds.
 */
public final class KillSwitch implements BatchObserver {

    /** Whether to kill inside this transaction: its number (1-based), the jobs of earlier ones, and its own. */
    @FunctionalInterface
    public interface When {
        boolean test(int transaction, int jobsBefore, int jobs);
    }

    private final String workerPart;
    private final Stage stage;
    private final When when;
    private final CountDownLatch armed = new CountDownLatch(1);
    private final AtomicInteger transactions = new AtomicInteger();
    private final AtomicInteger jobsSent = new AtomicInteger();
    private volatile GpuWorkers workers;
    private volatile int killedJobs = -1;

    public KillSwitch(Stage stage, When when) {
        this.stage = stage;
        this.when = when;
        this.workerPart = "-" + stage.name().toLowerCase(Locale.ROOT) + "-";
    }

    /** The workers whose pool to kill (they already run this observer). */
    public void arm(GpuWorkers workers) {
        this.workers = workers;
        armed.countDown();
    }

    @Override
    public void sentUncommitted(String workerId, String batchId, int size) {
        if (!workerId.contains(workerPart) || killedJobs >= 0) {
            return;
        }
        int before = jobsSent.getAndAdd(size);
        if (when.test(transactions.incrementAndGet(), before, size)) {
            killedJobs = size;
            try {
                armed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            workers.pool(stage).kill();
        }
    }

    /** Jobs in the killed transaction; -1 while none was killed. */
    public int killedJobs() {
        return killedJobs;
    }

    /** Jobs sent in the stage's transactions up to and including the killed one. */
    public int jobsSent() {
        return jobsSent.get();
    }

    /** Waits until the pool has been killed and its workers have stopped. */
    public void awaitKilled(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (killedJobs < 0 || workers == null || !workers.pool(stage).stopped()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the " + stage + " pool was not killed within " + limit.toSeconds() + " s");
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }
}
