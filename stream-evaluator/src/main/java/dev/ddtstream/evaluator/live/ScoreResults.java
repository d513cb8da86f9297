package dev.ddtstream.evaluator.live;

import dev.ddtstream.evaluator.geneval.ResultScorer;
import dev.ddtstream.events.EvaluationResult;
import java.util.HashMap;
import java.util.Optional;
import org.apache.flink.api.common.functions.MapFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores each result that carries benchmark metadata and drops its payload (the image), so that
 * only the verdict travels on. A result the scorer cannot score is marked with the reason and
 * counted by the windows as a scoring error, never skipped.
 */
final class ScoreResults implements MapFunction<Observation, Observation> {

    private static final Logger log = LoggerFactory.getLogger(ScoreResults.class);

    private final ResultScorer scorer;

    ScoreResults(ResultScorer scorer) {
        this.scorer = scorer;
    }

    @Override
    public Observation map(Observation o) {
        if (o.type != Observation.Type.RESULT) {
            return o;
        }
        long now = System.currentTimeMillis();
        try {
            Optional<EvaluationResult> e = o.image != null ? scorer.score(o.image, now)
                    : o.caption != null ? scorer.score(o.caption, now) : Optional.empty();
            e.ifPresent(v -> verdict(o, v));
        } catch (RuntimeException e) {
            o.scoringError = e.getClass().getSimpleName() + ": " + e.getMessage();
            log.warn("could not score result {}: {}", o.requestId, o.scoringError);
        }
        o.image = null;
        o.caption = null;
        return o;
    }

    private static void verdict(Observation o, EvaluationResult e) {
        o.scored = true;
        o.suite = e.getSuite();
        o.task = e.getTask();
        o.promptId = e.getPromptId();
        o.correct = e.getCorrect();
        o.editL1 = e.getEditL1();
        o.editL2 = e.getEditL2();
        o.evaluatedAtMs = e.getEvaluatedAtMs();
        o.checks = new HashMap<>(e.getChecks());
        o.genevalModeCorrect = e.getGenevalModeCorrect();
        o.genevalModeChecks = new HashMap<>(e.getGenevalModeChecks());
    }
}
