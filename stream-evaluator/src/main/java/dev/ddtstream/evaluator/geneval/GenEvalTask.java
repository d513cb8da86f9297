package dev.ddtstream.evaluator.geneval;

import java.util.Optional;

/**
 * GenEval's six tasks, in its order: the one list the evaluator, the suites and the tables share.
 * The overall score is the mean of the six task accuracies.
 */
public enum GenEvalTask {
    SINGLE_OBJECT("single_object", 80, 0.99),
    TWO_OBJECT("two_object", 99, 0.64),
    COUNTING("counting", 80, 0.56),
    COLORS("colors", 94, 0.87),
    POSITION("position", 100, 0.39),
    COLOR_ATTR("color_attr", 100, 0.48);

    private final String key;
    private final int prompts;
    private final double paper;

    GenEvalTask(String key, int prompts, double paper) {
        this.key = key;
        this.prompts = prompts;
        this.paper = paper;
    }

    /** The task's name in GenEval's metadata and in our benchmark metadata ({@code single_object}, ...). */
    public String key() {
        return key;
    }

    /** How many prompts GenEval has for the task (553 in all). */
    public int prompts() {
        return prompts;
    }

    /** DDT-LLaMA's accuracy on the task as the paper reports it (CVPR 2025, GenEval table). */
    public double paperScore() {
        return paper;
    }

    /** DDT-LLaMA's GenEval overall as the paper reports it. */
    public static final double PAPER_OVERALL = 0.66;

    public static Optional<GenEvalTask> byKey(String key) {
        for (GenEvalTask t : values()) {
            if (t.key.equals(key)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
