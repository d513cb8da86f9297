package dev.ddtstream.evaluator.geneval;

import dev.ddtstream.events.ObjectClause;
import java.io.Serializable;
import java.util.List;

/** How a prompt's clauses are held against the objects found in its image: {@link StrictChecks} or {@link GenEvalRules}. */
public interface SceneRules extends Serializable {

    /**
     * @param task    the GenEval task ({@link GenEvalTask#key()}); some rules depend on it
     * @param objects the detector's objects, in detection order
     * @param side    the image's side in pixels
     */
    Verdict check(String task, List<ObjectClause> clauses, List<DetectedObject> objects, int side);
}
