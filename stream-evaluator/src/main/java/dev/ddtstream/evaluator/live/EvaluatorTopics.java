package dev.ddtstream.evaluator.live;

import dev.ddtstream.schemas.Topics;
import java.io.Serializable;
import java.util.List;

/** The topics the evaluator reads and writes: the catalogue's, or others (tests, several tenants). */
public record EvaluatorTopics(String images, String captions, String errors, String stageEvents, String deadLetters,
                              String evaluations, String metrics) implements Serializable {

    public static EvaluatorTopics catalogue() {
        return new EvaluatorTopics(Topics.IMAGE_RESULTS.name(), Topics.CAPTION_RESULTS.name(), Topics.ERROR_RESULTS.name(),
                Topics.STAGE_EVENTS.name(), Topics.DEAD_LETTERS.name(), Topics.EVALUATIONS.name(), Topics.METRICS.name());
    }

    /** The same names with {@code prefix} in front of each. */
    public static EvaluatorTopics prefixed(String prefix) {
        EvaluatorTopics c = catalogue();
        return new EvaluatorTopics(prefix + c.images, prefix + c.captions, prefix + c.errors, prefix + c.stageEvents,
                prefix + c.deadLetters, prefix + c.evaluations, prefix + c.metrics);
    }

    List<String> inputs() {
        return List.of(images, captions, errors, stageEvents, deadLetters);
    }
}
