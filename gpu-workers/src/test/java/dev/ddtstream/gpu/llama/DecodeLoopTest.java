package dev.ddtstream.gpu.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

class DecodeLoopTest {

    @Test
    void requestsJoiningAndLeavingMidFlightGetTheTokensTheyGetAlone() throws Exception {
        for (ModelBundle b : TestBundles.all()) {
            LlamaDecoder decoder = new LlamaDecoder(b);
            JsonNode g = Golden.read(b, "generate");
            int[] caption = Golden.ints(Golden.read(b, "caption").get("runs").get(0).get("prompt_ids"));
            DecodeRequest guided = DecodeRequest.image(Golden.ints(g.get("prompt_ids")), Golden.ints(g.get("unconditional_prompt_ids")),
                    2.0, Sampling.greedy());
            DecodeRequest shortText = DecodeRequest.text(caption, 3, Sampling.greedy());
            // unguided image: exactly T tokens whatever the model, so it outlasts the 3-token caption
            // (a text request could meet end-of-sequence sooner on some bundle)
            DecodeRequest longImage = DecodeRequest.image(Golden.ints(g.get("prompt_ids")), null, 1.0, Sampling.greedy());
            Map<String, DecodeRequest> all = Map.of("guided", guided, "short", shortText, "long", longImage);
            Map<String, int[]> alone = new HashMap<>();
            all.forEach((k, r) -> alone.put(k, decoder.decode(List.of(r)).get(0).value().tokens()));

            // the guided image starts alone; a caption and an unguided image join at step 4, the caption
            // (slot 2) leaves first and the image's row moves from slot 3 into its slot
            DecodeLoop<String> loop = new DecodeLoop<>(decoder, 4);
            loop.join(guided, "guided");
            Map<String, int[]> got = new HashMap<>();
            List<String> order = new ArrayList<>();
            for (int step = 0; !loop.isEmpty(); step++) {
                if (step == 4) {
                    loop.join(shortText, "short");
                    loop.join(longImage, "long");
                }
                for (DecodeLoop.Finished<String> f : loop.step()) {
                    got.put(f.tag(), f.result().tokens());
                    order.add(f.tag());
                }
            }
            for (String k : all.keySet()) {
                assertArrayEquals(alone.get(k), got.get(k), k + " decoded differently in a shared loop");
            }
            assertEquals("short", order.get(0), "the 3-token caption should finish first: " + order);
            assertEquals(4, loop.freeRows());
        }
    }

    @Test
    void aGuidedRequestTakesTwoRowsAndTheLoopRefusesWhatDoesNotFit() throws Exception {
        ModelBundle b = TestBundles.all().get(0);
        LlamaDecoder decoder = new LlamaDecoder(b);
        JsonNode g = Golden.read(b, "generate");
        DecodeRequest guided = DecodeRequest.image(Golden.ints(g.get("prompt_ids")), Golden.ints(g.get("unconditional_prompt_ids")),
                2.0, Sampling.greedy());
        DecodeLoop<Integer> loop = new DecodeLoop<>(decoder, 3);
        loop.join(guided, 1);
        assertEquals(1, loop.freeRows());
        assertThrows(IllegalStateException.class, () -> loop.join(guided, 2));
        loop.step();
        assertEquals(List.of(1), loop.cancel(tag -> tag == 1));
        assertEquals(3, loop.freeRows());
        assertTrue(loop.isEmpty());
    }
}
