package dev.ddtstream.evaluator.geneval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.ObjectClause;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** GenEval's published rules on hand-made detections, each beside the strict verdict where the two differ. */
class GenEvalRulesTest {

    private static final int S = 32;
    private final GenEvalRules geneval = new GenEvalRules();
    private final StrictChecks strict = StrictChecks.standard();

    private static DetectedObject obj(String shape, String color, double x0, double y0, double x1, double y1) {
        return new DetectedObject(shape, color, "small", x0, y0, x1, y1, (x1 - x0) * (y1 - y0));
    }

    private static ObjectClause clause(String shape, int count, String color) {
        return ObjectClause.newBuilder().setShape(shape).setCount(count).setColor(color).build();
    }

    @Test
    void objectsOfOtherClassesNeverMakeAnImageWrong() {
        List<ObjectClause> c = List.of(clause("circle", 1, null));
        List<DetectedObject> found = List.of(obj("circle", "red", 4, 4, 12, 12), obj("square", "blue", 20, 20, 28, 28));
        assertTrue(geneval.check("single_object", c, found, S).correct());
        assertFalse(strict.check("single_object", c, found, S).correct(), "strict allows exactly one object");
    }

    @Test
    void countsAreAtLeastExceptInCountingWhereTheExclusionMakesThemExact() {
        List<ObjectClause> two = List.of(clause("circle", 2, null));
        List<DetectedObject> three = List.of(obj("circle", "red", 2, 2, 8, 8), obj("circle", "red", 12, 2, 18, 8),
                obj("circle", "red", 22, 2, 28, 8));
        assertTrue(geneval.check("two_object", two, three, S).correct(), "at least two");
        Verdict counting = geneval.check("counting", two, three, S);
        assertFalse(counting.correct(), "counting: three circles are not two");
        assertEquals(false, counting.checks().get("fewer than 3 circle"));
        assertTrue(geneval.check("counting", two, three.subList(0, 2), S).correct());
        assertFalse(geneval.check("counting", two, three.subList(0, 1), S).correct(), "too few");
    }

    @Test
    void colourIsJudgedOnTheTopInstancesTheLargestFirst() {
        List<ObjectClause> red = List.of(clause("circle", 1, "red"));
        DetectedObject smallGreen = obj("circle", "green", 2, 2, 8, 8);
        DetectedObject largeRed = obj("circle", "red", 14, 14, 26, 26);
        assertTrue(geneval.check("colors", red, List.of(smallGreen, largeRed), S).correct());
        assertFalse(geneval.check("colors", red, List.of(obj("circle", "red", 2, 2, 8, 8), obj("circle", "green", 14, 14, 26, 26)), S)
                .correct(), "the largest circle is green");
        List<DetectedObject> tie = List.of(obj("circle", "green", 2, 2, 8, 8), obj("circle", "red", 20, 20, 26, 26));
        assertFalse(geneval.check("colors", red, tie, S).correct(), "equal areas: the first detected is the top");
    }

    @Test
    void sizeIsNotAGenEvalAttribute() {
        List<ObjectClause> large = List.of(ObjectClause.newBuilder().setShape("circle").setCount(1).setSize("large").build());
        List<DetectedObject> small = List.of(obj("circle", "red", 4, 4, 12, 12));
        assertTrue(geneval.check("single_object", large, small, S).correct());
        assertFalse(strict.check("single_object", large, small, S).correct());
    }

    @Test
    void positionFollowsThePublishedFormulaOnBoxes() {
        DetectedObject a = obj("circle", "red", 2, 12, 8, 18);
        assertEquals(Set.of("left of"), GenEvalRules.relations(a, obj("square", "blue", 20, 12, 26, 18)));
        assertEquals(Set.of("right of"), GenEvalRules.relations(obj("square", "blue", 20, 12, 26, 18), a));
        // offset (6, 14): |dx| shrinks by 0.1 (6 + 6) = 1.2 -> 4.8 / 15.2 = 0.32, dy (14 - 1.2) / 15.2 = 0.84: below, not right of
        assertEquals(Set.of("below"), GenEvalRules.relations(obj("square", "blue", 8, 26, 14, 32), a));
        // about 45 degrees: both components past 0.5 give two relations at once
        assertEquals(Set.of("right of", "below"), GenEvalRules.relations(obj("square", "blue", 17, 27, 23, 33), a));
        // boxes whose centres are closer than a tenth of their sizes: no relation at all
        assertEquals(Set.of(), GenEvalRules.relations(obj("square", "blue", 2.5, 12.5, 8.5, 18.5), a));
    }

    @Test
    void aRelationMustHoldBetweenEveryPairOfTheClausesInstances() {
        ObjectClause circle = clause("circle", 1, null);
        ObjectClause square = ObjectClause.newBuilder().setShape("square").setCount(1).setRelation("left of").setRelativeTo(0).build();
        List<ObjectClause> c = List.of(circle, square);
        List<DetectedObject> right = List.of(obj("square", "blue", 2, 12, 8, 18), obj("circle", "red", 20, 12, 26, 18));
        assertTrue(geneval.check("position", c, right, S).correct());
        List<DetectedObject> wrong = List.of(obj("circle", "red", 2, 12, 8, 18), obj("square", "blue", 20, 12, 26, 18));
        Verdict v = geneval.check("position", c, wrong, S);
        assertFalse(v.correct());
        assertEquals(false, v.checks().get("square left of circle"));
        assertFalse(geneval.check("position", c, List.of(obj("square", "blue", 2, 12, 8, 18)), S).correct(), "no circle to be left of");
    }
}
