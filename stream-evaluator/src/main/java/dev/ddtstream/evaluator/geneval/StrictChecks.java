package dev.ddtstream.evaluator.geneval;

import dev.ddtstream.events.ObjectClause;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our stricter reading of GenEval's tasks, the {@code strict} scoring mode. Each clause asks for
 * exactly {@code count} objects of a shape (and colour, and size when given); a clause with a
 * relation asks that its object lies left of / right of / above / below the other clause's object
 * along the dominant axis by at least a margin; single-object, colour and two-object style tasks
 * also forbid extra objects. An image is correct only if every check holds. {@link GenEvalRules}
 * is GenEval's own, more lenient reading.
 */
public final class StrictChecks implements SceneRules {

    private static final long serialVersionUID = 1L;

    private final double marginFraction;

    /** @param marginFraction least centre distance along the relation's axis, as a fraction of the side */
    public StrictChecks(double marginFraction) {
        this.marginFraction = marginFraction;
    }

    public static StrictChecks standard() {
        return new StrictChecks(0.1);
    }

    @Override
    public Verdict check(String task, List<ObjectClause> clauses, List<DetectedObject> objects, int side) {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        List<List<DetectedObject>> matched = new ArrayList<>();
        for (ObjectClause c : clauses) {
            List<DetectedObject> m = objects.stream().filter(o -> matches(o, c)).toList();
            matched.add(m);
            checks.put(describe(c), m.size() == c.getCount());
        }
        for (int i = 0; i < clauses.size(); i++) {
            ObjectClause c = clauses.get(i);
            if (c.getRelation() == null || c.getRelativeTo() == null) {
                continue;
            }
            String name = c.getShape() + " " + c.getRelation() + " " + clauses.get(c.getRelativeTo()).getShape();
            List<DetectedObject> a = matched.get(i);
            List<DetectedObject> b = matched.get(c.getRelativeTo());
            checks.put(name, !a.isEmpty() && !b.isEmpty() && holds(c.getRelation(), a.get(0), b.get(0), side));
        }
        int expected = GenEvalTask.byKey(task).map(t -> switch (t) {
            case SINGLE_OBJECT, COLORS -> 1;
            case TWO_OBJECT, POSITION, COLOR_ATTR -> 2;
            case COUNTING -> -1;
        }).orElse(-1);
        if (expected > 0) {
            checks.put("exactly " + expected + " object" + (expected > 1 ? "s" : ""), objects.size() == expected);
        }
        return new Verdict(!checks.isEmpty() && checks.values().stream().allMatch(Boolean::booleanValue), checks);
    }

    private boolean holds(String relation, DetectedObject a, DetectedObject b, int side) {
        double dx = a.cx() - b.cx();
        double dy = a.cy() - b.cy();
        double m = marginFraction * side;
        return switch (relation) {
            case "left of" -> dx <= -m && Math.abs(dx) >= Math.abs(dy);
            case "right of" -> dx >= m && Math.abs(dx) >= Math.abs(dy);
            case "above" -> dy <= -m && Math.abs(dy) > Math.abs(dx);
            case "below" -> dy >= m && Math.abs(dy) > Math.abs(dx);
            default -> throw new IllegalArgumentException("unknown relation '" + relation + "'");
        };
    }

    private static boolean matches(DetectedObject o, ObjectClause c) {
        return o.shape().equals(c.getShape())
                && (c.getColor() == null || o.color().equals(c.getColor()))
                && (c.getSize() == null || o.size().equals(c.getSize()));
    }

    private static String describe(ObjectClause c) {
        StringBuilder s = new StringBuilder().append(c.getCount());
        if (c.getSize() != null) {
            s.append(' ').append(c.getSize());
        }
        if (c.getColor() != null) {
            s.append(' ').append(c.getColor());
        }
        return s.append(' ').append(c.getShape()).toString();
    }
}
