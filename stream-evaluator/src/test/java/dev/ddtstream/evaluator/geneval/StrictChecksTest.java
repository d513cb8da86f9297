package dev.ddtstream.evaluator.geneval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.ObjectClause;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each GenEval check on hand-made 32x32 scenes, once right and once wrong on purpose. */
class StrictChecksTest {

    private static final int S = 32;
    private final Detector detector = new SyntheticWorldDetector(HandMadeScene.WORLD);
    private final StrictChecks checks = StrictChecks.standard();

    private static ObjectClause clause(String shape, int count, String color) {
        return ObjectClause.newBuilder().setShape(shape).setCount(count).setColor(color).build();
    }

    private Verdict verdict(String task, List<ObjectClause> clauses, HandMadeScene scene) {
        return checks.check(task, clauses, detector.detect(scene.render()), S);
    }

    @Test
    void theDetectorReadsShapeColourAndSize() {
        for (String shape : new String[] {"circle", "square", "triangle"}) {
            for (String size : new String[] {"small", "large"}) {
                List<DetectedObject> found = detector.detect(new HandMadeScene(S).add(shape, "orange", size, 15.3, 16.7).render());
                assertEquals(1, found.size(), shape + " " + size);
                assertEquals(shape, found.get(0).shape(), size + " " + shape);
                assertEquals(size, found.get(0).size(), size + " " + shape);
                assertEquals("orange", found.get(0).color());
            }
        }
    }

    @Test
    void singleObject() {
        List<ObjectClause> c = List.of(clause("circle", 1, null));
        assertTrue(verdict("single_object", c, new HandMadeScene(S).add("circle", "red", "small", 16, 16)).correct());
        assertFalse(verdict("single_object", c, new HandMadeScene(S).add("square", "red", "small", 16, 16)).correct(), "wrong shape");
        assertFalse(verdict("single_object", c, new HandMadeScene(S).add("circle", "red", "small", 8, 8)
                .add("square", "blue", "small", 24, 24)).correct(), "an extra object");
    }

    @Test
    void twoObjects() {
        List<ObjectClause> c = List.of(clause("triangle", 1, null), clause("square", 1, null));
        assertTrue(verdict("two_object", c, new HandMadeScene(S).add("triangle", "green", "small", 8, 9)
                .add("square", "yellow", "large", 21, 20)).correct());
        assertFalse(verdict("two_object", c, new HandMadeScene(S).add("triangle", "green", "small", 8, 9)
                .add("circle", "yellow", "large", 21, 20)).correct(), "a circle is not a square");
    }

    @Test
    void counting() {
        List<ObjectClause> c = List.of(clause("circle", 3, null));
        HandMadeScene three = new HandMadeScene(S).add("circle", "blue", "small", 6, 6).add("circle", "red", "small", 26, 6)
                .add("circle", "green", "small", 16, 25);
        assertTrue(verdict("counting", c, three).correct());
        assertFalse(verdict("counting", c, new HandMadeScene(S).add("circle", "blue", "small", 6, 6)
                .add("circle", "red", "small", 26, 6)).correct(), "two circles are not three");
    }

    @Test
    void colors() {
        List<ObjectClause> c = List.of(clause("square", 1, "blue"));
        assertTrue(verdict("colors", c, new HandMadeScene(S).add("square", "blue", "large", 16, 16)).correct());
        assertFalse(verdict("colors", c, new HandMadeScene(S).add("square", "purple", "large", 16, 16)).correct());
    }

    @Test
    void positionWithAMargin() {
        ObjectClause circle = ObjectClause.newBuilder().setShape("circle").setRelation("left of").setRelativeTo(1).build();
        List<ObjectClause> c = List.of(circle, clause("square", 1, null));
        assertTrue(verdict("position", c, new HandMadeScene(S).add("circle", "red", "small", 7, 16)
                .add("square", "blue", "small", 24, 15)).correct());
        Verdict wrong = verdict("position", c, new HandMadeScene(S).add("circle", "red", "small", 24, 16)
                .add("square", "blue", "small", 7, 15));
        assertFalse(wrong.correct(), "the circle is right of the square");
        assertFalse(wrong.checks().get("circle left of square"));
        assertFalse(verdict("position", c, new HandMadeScene(S).add("circle", "red", "small", 14, 8)
                .add("square", "blue", "small", 16, 24)).correct(), "above, not left of: the dominant axis decides");
    }

    @Test
    void colourAttribution() {
        List<ObjectClause> c = List.of(clause("circle", 1, "red"), clause("square", 1, "blue"));
        assertTrue(verdict("color_attr", c, new HandMadeScene(S).add("circle", "red", "small", 8, 8)
                .add("square", "blue", "small", 24, 24)).correct());
        assertFalse(verdict("color_attr", c, new HandMadeScene(S).add("circle", "blue", "small", 8, 8)
                .add("square", "red", "small", 24, 24)).correct(), "colours swapped between the objects");
    }
}
