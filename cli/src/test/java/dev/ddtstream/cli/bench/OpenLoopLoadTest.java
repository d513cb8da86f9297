package dev.ddtstream.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.RequestKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenLoopLoadTest {

    @Test
    void arrivalsComeAtTheRateInTheSharesAndInOrder() {
        List<OpenLoopLoad.Arrival> a = OpenLoopLoad.schedule(50, 200, Map.of(RequestKind.GENERATE, 3.0, RequestKind.CAPTION, 1.0), 7);
        assertTrue(Math.abs(a.size() - 10_000) < 400, "about rate x seconds arrivals: " + a.size());
        long captions = a.stream().filter(x -> x.kind() == RequestKind.CAPTION).count();
        assertTrue(Math.abs(captions / (double) a.size() - 0.25) < 0.02, "a quarter CAPTION: " + captions);
        for (int i = 1; i < a.size(); i++) {
            assertTrue(a.get(i).atNanos() >= a.get(i - 1).atNanos());
        }
        assertTrue(a.get(a.size() - 1).atNanos() < 200e9);
        // exponential gaps: their coefficient of variation is 1 (a fixed-interval schedule would give 0)
        double[] gaps = new double[a.size() - 1];
        double mean = 0;
        for (int i = 1; i < a.size(); i++) {
            gaps[i - 1] = a.get(i).atNanos() - a.get(i - 1).atNanos();
            mean += gaps[i - 1] / gaps.length;
        }
        double var = 0;
        for (double g : gaps) {
            var += (g - mean) * (g - mean) / gaps.length;
        }
        assertTrue(Math.abs(Math.sqrt(var) / mean - 1) < 0.05, "cv " + Math.sqrt(var) / mean);
        assertEquals(a, OpenLoopLoad.schedule(50, 200, Map.of(RequestKind.GENERATE, 3.0, RequestKind.CAPTION, 1.0), 7));
        assertThrows(IllegalArgumentException.class, () -> OpenLoopLoad.schedule(0, 1, Map.of(RequestKind.GENERATE, 1.0), 1));
    }

    @Test
    void summariesArePerKindWithNearestRankPercentilesOfTheAnswered() {
        List<OpenLoopLoad.Outcome> o = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            o.add(new OpenLoopLoad.Outcome(RequestKind.GENERATE, i, false));
        }
        o.add(new OpenLoopLoad.Outcome(RequestKind.GENERATE, 1e9, true));
        o.add(new OpenLoopLoad.Outcome(RequestKind.CAPTION, 5, false));
        List<OpenLoopLoad.KindSummary> s = OpenLoopLoad.summarise(o, 10);
        OpenLoopLoad.KindSummary g = s.stream().filter(k -> k.kind() == RequestKind.GENERATE).findFirst().orElseThrow();
        assertEquals(101, g.sent());
        assertEquals(100, g.answered());
        assertEquals(1, g.failed());
        assertEquals(10.0, g.perSecond());
        assertEquals(50, g.p50Ms());
        assertEquals(95, g.p95Ms());
        assertEquals(99, g.p99Ms());
        assertEquals(5, s.stream().filter(k -> k.kind() == RequestKind.CAPTION).findFirst().orElseThrow().p99Ms());
    }
}
