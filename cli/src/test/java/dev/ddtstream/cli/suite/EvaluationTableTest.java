package dev.ddtstream.cli.suite;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.RequestKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The suites' table: each GenEval task in both scoring modes beside the paper, and the means. */
class EvaluationTableTest {

    @Test
    void showsBothModesPerTaskAndTheirOverallMeans() {
        List<EvaluationResult> all = new ArrayList<>();
        all.add(verdict("a", "counting", true, true));
        all.add(verdict("b", "counting", false, true));
        all.add(verdict("c", "position", false, false));
        all.add(verdict("d", "position", false, true));
        String table = EvaluationTable.format(all);
        assertTrue(table.contains("counting              2     1.000     0.500       0.56"), table);
        assertTrue(table.contains("position              2     0.500     0.000       0.39"), table);
        assertTrue(table.contains("GenEval overall             0.750     0.250  (2 tasks)"), table);
    }

    private static EvaluationResult verdict(String id, String task, boolean strict, boolean geneval) {
        return EvaluationResult.newBuilder().setRequestId(id).setKind(RequestKind.GENERATE).setSuite("s").setTask(task)
                .setPromptId(id).setCorrect(strict).setGenevalModeCorrect(geneval).setLatencyMs(1).setResultAtMs(1)
                .setEvaluatedAtMs(1).build();
    }
}
