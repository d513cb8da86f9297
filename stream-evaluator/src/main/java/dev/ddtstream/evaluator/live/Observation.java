package dev.ddtstream.evaluator.live;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One event as the evaluator's windows see it: a scored or unscored terminal result, an error
 * result, a batch of a GPU stage, or a dead letter. A Flink POJO, so that no Avro record crosses
 * an operator boundary.
 */
public class Observation {

    /** What the event was. */
    public enum Type { RESULT, ERROR, STAGE, DEAD_LETTER }

    public Type type;
    public long eventTimeMs;
    public String requestId;
    /** GENERATE, EDIT, CAPTION, TOKENIZE; for STAGE the stage name. */
    public String kind;

    // RESULT
    public String suite;
    public String task;
    public String promptId;
    public Boolean correct;
    public Double editL1;
    public Double editL2;
    public long latencyMs;
    public long evaluatedAtMs;
    public boolean scored;
    public HashMap<String, Boolean> checks = new HashMap<>();
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

    Observation withChecks(Map<String, Boolean> c) {
        checks = new HashMap<>(c);
        return this;
    }

    static int[] ints(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
