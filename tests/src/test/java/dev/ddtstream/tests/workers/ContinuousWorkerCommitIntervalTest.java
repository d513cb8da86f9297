package dev.ddtstream.tests.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.gpu.pool.BatchObserver;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The continuous worker's commit interval on the real broker: the same four jobs as
 * {@link ContinuousWorkerKillTest} (a 16-token guided image job, then three 2-token text jobs in
 * one partition). With no interval the texts are committed the step they finish, apart from the
 * image; with an interval they wait for it and all four share one transaction. The results are the
 * same either way.
 */
@ExtendWith(TestEnvironmentExtension.class)
class ContinuousWorkerCommitIntervalTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private final StageJobs golden = new StageJobs();

    @Test
    void finishedResultsWaitForCompanyUpToTheInterval(TestEnvironment env) throws Exception {
        // the image needs 14 more tokens after the texts finish: milliseconds each, far inside a second
        assertEquals(List.of(4), transactionSizes(env, 1000));
    }

    @Test
    void withoutAnIntervalEachFinishingStepIsItsOwnTransaction(TestEnvironment env) throws Exception {
        assertEquals(List.of(3, 1), transactionSizes(env, 0));
    }

    private List<Integer> transactionSizes(TestEnvironment env, long commitIntervalMs) throws Exception {
        Provisioning.createTopics(env.clientProperties(), 2);
        String run = TestEnvironment.unique("ci" + commitIntervalMs);
        String image = run + "-image";
        Map<String, LlamaJob> jobs = ContinuousWorkerKillTest.imageThenThreeTexts(golden, run);
        long first = ContinuousWorkerKillTest.publishToPartitionZero(env, jobs);
        ContinuousWorkerKillTest.startGroupAt(env, run + "-group", first);
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        BatchObserver observer = (worker, batch, size) -> sizes.add(size);
        try (GpuWorkers workers = GpuWorkers.start(ContinuousWorkerKillTest.config(env, run, commitIntervalMs), observer, f -> { })) {
            Map<String, List<LlamaResult>> results = TopicTap.read(env, Topics.LLAMA_RESULTS, jobs.keySet(), true,
                    m -> m.values().stream().mapToInt(List::size).sum() == 4, WAIT);
            assertEquals(golden.generateCodes, results.get(image).get(0).getVisualCodes());
            jobs.keySet().forEach(id -> assertEquals(1, results.get(id).size(), id));
        }
        return sizes;
    }
}
