package dev.ddtstream.gpu.mmdit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ddtstream.gpu.Golden;
import dev.ddtstream.gpu.TestBundles;
import dev.ddtstream.gpu.bundle.ModelBundle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SampleLoopTest {

    @Test
    void imagesJoiningAtLaterStepsRenderAsAloneAndLeaveWhenDone() throws Exception {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "generate");
            int[] codes = Golden.ints(g.get("tokens"));
            float[] noise = Golden.floats(g.get("noise"));
            MmditSampler sampler = new MmditSampler(b);
            int full = sampler.steps();
            Map<String, SampleRequest> requests = Map.of(
                    "full", SampleRequest.withNoise(codes, noise),
                    "seeded", SampleRequest.seeded(codes, 7).withSteps(Math.max(1, full / 2)),
                    "one", SampleRequest.seeded(codes, 8).withSteps(1));
            Map<String, float[]> alone = new HashMap<>();
            requests.forEach((k, r) -> alone.put(k, sampler.sample(List.of(r)).get(0).value().pixels()));

            SampleLoop<String> loop = new SampleLoop<>(sampler, 2);
            loop.join(requests.get("full"), "full");
            Map<String, float[]> got = new HashMap<>();
            List<String> order = new ArrayList<>();
            List<String> waiting = new ArrayList<>(List.of("seeded", "one"));
            for (int step = 0; !loop.isEmpty() || !waiting.isEmpty(); step++) {
                // one joins at step 1, the other when a place is free: a full loop takes nobody
                while (step >= 1 && !waiting.isEmpty() && loop.hasRoom()) {
                    String k = waiting.remove(0);
                    loop.join(requests.get(k), k);
                }
                for (SampleLoop.Finished<String> f : loop.step()) {
                    got.put(f.tag(), f.image().pixels());
                    order.add(f.tag());
                }
            }
            for (String k : requests.keySet()) {
                double d = Golden.maxAbsDiff(alone.get(k), got.get(k));
                assertTrue(d <= 1e-5, k + " differs from its render alone by " + d);
            }
            if (full > 2) {
                assertEquals("seeded", order.get(0), "half the steps, joined at step 1, finishes first: " + order);
            }
            assertEquals(3, order.size());
        }
    }

    @Test
    void aFullLoopRefusesAndACancelledImageLeavesWithoutAResult() throws Exception {
        ModelBundle b = TestBundles.all().get(0);
        int[] codes = Golden.ints(Golden.read(b, "generate").get("tokens"));
        SampleLoop<Integer> loop = new SampleLoop<>(new MmditSampler(b), 1);
        loop.join(SampleRequest.seeded(codes, 1), 1);
        assertThrows(IllegalStateException.class, () -> loop.join(SampleRequest.seeded(codes, 2), 2));
        assertEquals(List.of(1), loop.cancel(t -> t == 1));
        assertTrue(loop.isEmpty());
        assertTrue(loop.step().isEmpty());
    }
}
