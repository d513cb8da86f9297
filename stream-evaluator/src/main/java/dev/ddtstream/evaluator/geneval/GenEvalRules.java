package dev.ddtstream.evaluator.geneval;

import dev.ddtstream.events.ObjectClause;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * GenEval's own rules ({@code evaluation/evaluate_images.py} of the GenEval repository) on our
 * detector's objects, the {@code geneval} scoring mode:
 * <ul>
 *   <li>a clause "n X [colour]" takes the top n instances of class X (the shape); at least n must
 *       be found, and with a colour all n must have it ("top": a detector's most confident; ours
 *       has no confidence, so the largest by area, ties in detection order, as
 *       {@code models/ddt/report.py} does);</li>
 *   <li>a relation holds when every instance of one clause stands in it to every instance of the
 *       other, by the published formula on boxes: with the centres' offset o and the boxes' sizes
 *       d_a, d_b, r = max(|o| - 0.1 (d_a + d_b), 0) sign(o), normalised by the length of o;
 *       "left of" when r_x &lt; -0.5, "right of" r_x &gt; 0.5, "above" r_y &lt; -0.5, "below" r_y &gt; 0.5;</li>
 *   <li>counting adds an exclusion clause: n + 1 of the class must not be found, so its count is exact;</li>
 *   <li>objects of classes no clause names never make an image wrong, and size is not a GenEval attribute.</li>
 * </ul>
 * An image is correct when every clause holds.
 */
public final class GenEvalRules implements SceneRules {

    private static final long serialVersionUID = 1L;
    /** GenEval's POSITION_THRESHOLD: the share of the boxes' sizes an offset must exceed. */
    static final double POSITION_THRESHOLD = 0.1;

    @Override
    public Verdict check(String task, List<ObjectClause> clauses, List<DetectedObject> objects, int side) {
        Map<String, List<DetectedObject>> byClass = byClass(objects);
        Map<String, Boolean> checks = new LinkedHashMap<>();
        List<List<DetectedObject>> groups = new ArrayList<>();
        for (ObjectClause c : clauses) {
            List<DetectedObject> of = byClass.getOrDefault(c.getShape(), List.of());
            List<DetectedObject> found = of.subList(0, Math.min(c.getCount(), of.size()));
            boolean matched = found.size() >= c.getCount();
            checks.put("at least " + c.getCount() + " " + c.getShape(), matched);
            if (matched && c.getColor() != null) {
                matched = found.stream().filter(o -> o.color().equals(c.getColor())).count() >= c.getCount();
                checks.put("top " + c.getCount() + " " + c.getShape() + " " + c.getColor(), matched);
            }
            groups.add(matched ? found : null);
        }
        for (int i = 0; i < clauses.size(); i++) {
            ObjectClause c = clauses.get(i);
            if (c.getRelation() == null || c.getRelativeTo() == null) {
                continue;
            }
            List<DetectedObject> a = groups.get(i);
            List<DetectedObject> b = groups.get(c.getRelativeTo());
            boolean holds = a != null && b != null
                    && a.stream().allMatch(x -> b.stream().allMatch(y -> relations(x, y).contains(c.getRelation())));
            checks.put(c.getShape() + " " + c.getRelation() + " " + clauses.get(c.getRelativeTo()).getShape(), holds);
        }
        if (GenEvalTask.COUNTING.key().equals(task)) {
            for (ObjectClause c : clauses) {
                int n = byClass.getOrDefault(c.getShape(), List.of()).size();
                checks.put("fewer than " + (c.getCount() + 1) + " " + c.getShape(), n < c.getCount() + 1);
            }
        }
        return new Verdict(!checks.isEmpty() && checks.values().stream().allMatch(Boolean::booleanValue), checks);
    }

    /** GenEval's {@code relative_position}: where {@code a} stands relative to {@code b}. */
    static Set<String> relations(DetectedObject a, DetectedObject b) {
        double ox = a.cx() - b.cx();
        double oy = a.cy() - b.cy();
        double rx = Math.max(Math.abs(ox) - POSITION_THRESHOLD * (a.width() + b.width()), 0) * Math.signum(ox);
        double ry = Math.max(Math.abs(oy) - POSITION_THRESHOLD * (a.height() + b.height()), 0) * Math.signum(oy);
        Set<String> out = new TreeSet<>();
        if (Math.abs(rx) < 1e-3 && Math.abs(ry) < 1e-3) {
            return out;
        }
        double norm = Math.hypot(ox, oy);
        double dx = rx / norm;
        double dy = ry / norm;
        if (dx < -0.5) {
            out.add("left of");
        }
        if (dx > 0.5) {
            out.add("right of");
        }
        if (dy < -0.5) {
            out.add("above");
        }
        if (dy > 0.5) {
            out.add("below");
        }
        return out;
    }

    /** Shape to its instances, the largest first; equal areas keep detection order. */
    private static Map<String, List<DetectedObject>> byClass(List<DetectedObject> objects) {
        Map<String, List<DetectedObject>> out = new LinkedHashMap<>();
        objects.stream().sorted(Comparator.comparingDouble(DetectedObject::area).reversed())
                .forEach(o -> out.computeIfAbsent(o.shape(), k -> new ArrayList<>()).add(o));
        return out;
    }
}
