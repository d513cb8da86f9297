package dev.ddtstream.evaluator.live;

import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.ImageResult;
import java.util.HashMap;
import java.util.List;

/**
 * One event as the evaluator sees it: a terminal result (scored or not), an error result, a batch
 * of a GPU stage, or a dead letter. A Flink POJO; a result carries its Avro record only from the
 * source to the scorer, which drops it, so images never reach the windows.
 */
public class Observation {

    /** What the event was. */
    public enum Type { RESULT, ERROR, STAGE, DEAD_LETTER }

    public Type type;
    public long eventTimeMs;
    public String requestId;
    /** GENERATE, EDIT, CAPTION, TOKENIZE; for STAGE the stage name. */
    public String kind;

    // RESULT, until scored
    public ImageResult image;
    public CaptionResult caption;

    // RESULT, once scored
    public String suite;
    public String task;
    public String promptId;
    /** Strict rules (and captions, edits). */
    public Boolean correct;
    /** GenEval's own rules; null when the result is not a GenEval task. */
    public Boolean genevalModeCorrect;
    public Double editL1;
    public Double editL2;
    public long latencyMs;
    public long evaluatedAtMs;
    public boolean scored;
    /** Why the scorer could not score the result; null when it could (or had nothing to score). */
    public String scoringError;
    public HashMap<String, Boolean> checks = new HashMap<>();
    public HashMap<String, Boolean> genevalModeChecks = new HashMap<>();
    /** Stage name to ms from the job's publication to its batch's end. */
    public HashMap<String, Long> stageLatencyMs = new HashMap<>();

    // ERROR
    public String reason;

    // STAGE
    public int batchSize;
    public int[] codes = new int[0];

    public Observation() {
    }

    static Observation of(Type type, long eventTimeMs) {
        Observation o = new Observation();
        o.type = type;
        o.eventTimeMs = eventTimeMs;
        return o;
    }

    static int[] ints(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
