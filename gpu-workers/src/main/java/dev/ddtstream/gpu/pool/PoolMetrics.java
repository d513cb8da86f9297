package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool's Micrometer meters, all tagged with the stage: jobs by outcome, batch sizes, compute
 * time per batch, queue wait per job, transactions committed and aborted, jobs waiting.
 * Prometheus names: {@code ddt_worker_jobs_total}, {@code ddt_worker_batch_size},
 * {@code ddt_worker_batch_compute_seconds}, {@code ddt_worker_queue_wait_seconds},
 * {@code ddt_worker_transactions_total}, {@code ddt_worker_queued_jobs}.
 */
final class PoolMetrics {

    private final MeterRegistry registry;
    private final String stage;
    private final Counter served;
    private final DistributionSummary batchSize;
    private final Timer compute;
    private final Timer queueWait;
    private final Counter committed;
    private final Counter aborted;
    private final AtomicInteger queued = new AtomicInteger();

    PoolMetrics(MeterRegistry registry, Stage stage) {
        this.registry = registry;
        this.stage = stage.name();
        this.served = jobs("served");
        this.batchSize = DistributionSummary.builder("ddt.worker.batch.size")
                .description("jobs per engine call").tag("stage", this.stage)
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32).register(registry);
        this.compute = Timer.builder("ddt.worker.batch.compute")
                .description("engine time per batch").tag("stage", this.stage)
                .publishPercentiles(0.5, 0.95, 0.99).register(registry);
        this.queueWait = Timer.builder("ddt.worker.queue.wait")
                .description("job published to its batch starting").tag("stage", this.stage)
                .publishPercentiles(0.5, 0.95, 0.99).register(registry);
        this.committed = transactions("committed");
        this.aborted = transactions("aborted");
        registry.gauge("ddt.worker.queued.jobs", Tags.of("stage", this.stage), queued);
    }

    private Counter jobs(String outcome) {
        return jobs(outcome, "NONE");
    }

    private Counter jobs(String outcome, String reason) {
        return Counter.builder("ddt.worker.jobs").description("jobs finished, by outcome")
                .tags("stage", stage, "outcome", outcome, "reason", reason).register(registry);
    }

    private Counter transactions(String result) {
        return Counter.builder("ddt.worker.transactions").description("batch transactions")
                .tags("stage", stage, "result", result).register(registry);
    }

    void batch(int size, long computeMs) {
        batchSize.record(size);
        compute.record(Duration.ofMillis(computeMs));
    }

    void queueWait(long ms) {
        queueWait.record(Duration.ofMillis(Math.max(0, ms)));
    }

    void served() {
        served.increment();
    }

    void failed(ErrorReason reason) {
        jobs("failed", reason.name()).increment();
    }

    void committed() {
        committed.increment();
    }

    void aborted() {
        aborted.increment();
    }

    void queuedDelta(int delta) {
        queued.addAndGet(delta);
    }
}
