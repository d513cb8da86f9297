package dev.ddtstream.evaluator.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.WindowKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The window aggregates as a pure function of the observations, and incremental folding equal to it. */
class WindowMetricsTest {

    @Test
    void aggregatesResultsErrorsBatchesAndDeadLetters() {
        MetricsWindow w = WindowMetrics.of(sample(), WindowKind.TUMBLING, 0, 10_000);
        assertEquals(7, w.getResults(), "5 results and 2 errors");
        assertEquals(0.7, w.getThroughputPerSecond(), 1e-9);
        assertEquals(0.5, w.getAccuracyByTask().get("counting"), 1e-9);
        assertEquals(1.0, w.getAccuracyByTask().get("colors"), 1e-9);
        assertEquals(0.75, w.getGenevalOverall(), 1e-9, "the mean over the GenEval tasks present");
        assertEquals(1.0, w.getGenevalModeAccuracyByTask().get("counting"), 1e-9, "GenEval's rules, kept apart");
        assertEquals(1.0, w.getGenevalModeOverall(), 1e-9);
        assertNull(w.getGenevalModeAccuracyByTask().get("edit"), "only GenEval tasks have a GenEval-mode verdict");
        assertNull(w.getCaptionAccuracy());
        assertEquals(0.1, w.getEditL1(), 1e-9);
        assertEquals(0.02, w.getEditL2(), 1e-9);
        assertEquals(Map.of("BAD_TOKENS", 2L), w.getErrorsByReason());
        assertEquals(1, w.getDeadLetters());
        assertEquals(Map.of("4", 1L, "2", 1L), w.getBatchSizes());
        assertEquals(3, w.getCodesInUse());
        assertEquals(1, w.getScoringErrors(), "an unscorable result is counted, not skipped");
        assertEquals(5, w.getLatency().get("end_to_end").getCount());
        assertEquals(200.0, w.getLatency().get("end_to_end").getP50Ms(), 1e-9, "nearest rank of 100, 100, 200, 300, 400");
        assertEquals(400.0, w.getLatency().get("end_to_end").getP99Ms(), 1e-9);
        assertEquals(50.0, w.getLatency().get("LLAMA").getP50Ms(), 1e-9);
    }

    @Test
    void foldingInAnyTwoPartsAndMergingGivesTheSameWindow() {
        List<Observation> all = sample();
        MetricsWindow whole = WindowMetrics.of(all, WindowKind.SLIDING, 0, 60_000);
        for (int split = 0; split <= all.size(); split++) {
            WindowMetrics.Accumulator a = new WindowMetrics.Accumulator();
            WindowMetrics.Accumulator b = new WindowMetrics.Accumulator();
            all.subList(0, split).forEach(o -> WindowMetrics.add(o, a));
            all.subList(split, all.size()).forEach(o -> WindowMetrics.add(o, b));
            assertEquals(whole, WindowMetrics.finish(WindowMetrics.merge(a, b), WindowKind.SLIDING, 0, 60_000), "split at " + split);
        }
    }

    @Test
    void anEmptyWindowHasNoRatesToReport() {
        MetricsWindow w = WindowMetrics.of(List.of(), WindowKind.TUMBLING, 0, 10_000);
        assertEquals(0, w.getResults());
        assertNull(w.getGenevalOverall());
        assertNull(w.getEditL1());
        assertNull(w.getCodesInUse());
        assertEquals(Map.of(), w.getLatency());
    }

    static List<Observation> sample() {
        Observation edit = result("e", 100, null, null);
        edit.scored = true;
        edit.task = "edit";
        edit.editL1 = 0.1;
        edit.editL2 = 0.02;
        Observation unscorable = result("u", 400, null, null);
        unscorable.scoringError = "IllegalArgumentException: not an image";
        Observation stage4 = Observation.of(Observation.Type.STAGE, 5);
        stage4.batchSize = 4;
        stage4.codes = new int[] {1, 2};
        Observation stage2 = Observation.of(Observation.Type.STAGE, 6);
        stage2.batchSize = 2;
        stage2.codes = new int[] {2, 3};
        Observation c2 = result("c2", 300, "counting", false);
        c2.genevalModeCorrect = true; // GenEval's rules can pass what the strict ones fail
        return List.of(result("c1", 200, "counting", true), c2, edit, unscorable,
                error("x"), error("y"), stage4, stage2, Observation.of(Observation.Type.DEAD_LETTER, 7),
                result("col", 100, "colors", true));
    }

    private static Observation result(String id, long latency, String task, Boolean correct) {
        Observation o = Observation.of(Observation.Type.RESULT, 1);
        o.requestId = id;
        o.kind = "GENERATE";
        o.latencyMs = latency;
        o.stageLatencyMs.put("LLAMA", 50L);
        if (task != null) {
            o.scored = true;
            o.task = task;
            o.correct = correct;
            o.genevalModeCorrect = correct;
        }
        return o;
    }

    private static Observation error(String id) {
        Observation o = Observation.of(Observation.Type.ERROR, 2);
        o.requestId = id;
        o.reason = "BAD_TOKENS";
        return o;
    }
}
