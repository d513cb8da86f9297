package dev.ddtstream.gpu.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ddtstream.bundle.VocabularyLayout;
import dev.ddtstream.gpu.Golden;
import dev.ddtstream.gpu.TestBundles;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.InputError;
import dev.ddtstream.gpu.engine.ItemResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlamaDecoderBehaviourTest {

    @Test
    void cfgScaleZeroAndThreeGiveDifferentTokensForTheSameSeed() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "generate");
            int[] p = Golden.ints(g.get("prompt_ids"));
            int[] u = Golden.ints(g.get("unconditional_prompt_ids"));
            LlamaDecoder dec = new LlamaDecoder(b);
            // sampled, not greedy: an undertrained prior can have the same argmax with and without guidance
            for (Sampling sp : List.of(Sampling.sample(1.0, 0, 11), Sampling.sample(1.0, 64, 12))) {
                var r = dec.decode(List.of(DecodeRequest.image(p, u, 0.0, sp), DecodeRequest.image(p, u, 3.0, sp)));
                assertFalse(Arrays.equals(r.get(0).value().tokens(), r.get(1).value().tokens()),
                        "cfg 0 and 3 gave the same tokens with " + sp);
            }
        }
    }

    @Test
    void imageModeEmitsExactlyTVisualTokensOverManySeeds() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "generate");
            VocabularyLayout v = b.manifest().vocabulary();
            List<DecodeRequest> batch = new ArrayList<>();
            for (long seed = 0; seed < 8; seed++) {
                // caption prompts end where text is likely: the restriction must still hold
                int[] prompt = seed % 2 == 0 ? Golden.ints(g.get("prompt_ids"))
                        : Golden.ints(Golden.read(b, "caption").get("runs").get(0).get("prompt_ids"));
                batch.add(DecodeRequest.image(prompt, Golden.ints(g.get("unconditional_prompt_ids")), seed % 3,
                        Sampling.sample(1.0, 0, seed)));
            }
            var r = new LlamaDecoder(b).decode(batch);
            for (ItemResult<DecodeResult> item : r) {
                int[] t = item.value().tokens();
                assertEquals(b.manifest().tokensPerImage(), t.length);
                for (int id : t) {
                    assertTrue(v.isVisual(id), "IMAGE mode emitted non-visual id " + id);
                }
            }
        }
    }

    @Test
    void textModeEmitsOnlyWordsAndStopsAtEosOrMax() {
        for (ModelBundle b : TestBundles.all()) {
            VocabularyLayout v = b.manifest().vocabulary();
            int[] prompt = Golden.ints(Golden.read(b, "generate").get("prompt_ids"));
            List<DecodeRequest> batch = new ArrayList<>();
            for (long seed = 0; seed < 6; seed++) {
                batch.add(DecodeRequest.text(prompt, 5, Sampling.sample(1.0, 0, seed)));
            }
            for (ItemResult<DecodeResult> item : new LlamaDecoder(b).decode(batch)) {
                DecodeResult r = item.value();
                assertTrue(r.tokens().length >= 1 && r.tokens().length <= 5);
                for (int i = 0; i < r.tokens().length; i++) {
                    int id = r.tokens()[i];
                    boolean last = i == r.tokens().length - 1;
                    assertTrue(v.isWord(id) || (last && id == v.eos()), "TEXT mode emitted " + id + " at " + i);
                }
                int lastId = r.tokens()[r.tokens().length - 1];
                assertEquals(lastId == v.eos() ? DecodeResult.Finish.END_OF_SEQUENCE : DecodeResult.Finish.MAX_TOKENS, r.finish());
            }
        }
    }

    @Test
    void seededSamplingDependsOnlyOnTheRequestsSeed() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "generate");
            int[] p = Golden.ints(g.get("prompt_ids"));
            int[] u = Golden.ints(g.get("unconditional_prompt_ids"));
            LlamaDecoder dec = new LlamaDecoder(b);
            DecodeRequest a = DecodeRequest.image(p, u, 3.0, new Sampling(1.0, 64, 0.95, 5));
            int[] alone = dec.decode(List.of(a)).get(0).value().tokens();
            var together = dec.decode(List.of(DecodeRequest.image(u, null, 1.0, Sampling.sample(1.0, 0, 9)), a));
            assertArrayEquals(alone, together.get(1).value().tokens());
            int[] other = dec.decode(List.of(DecodeRequest.image(p, u, 3.0, new Sampling(1.0, 64, 0.95, 6))))
                    .get(0).value().tokens();
            assertFalse(Arrays.equals(alone, other), "seeds 5 and 6 gave the same 16 tokens");
        }
    }

    @Test
    void badRequestsFailAloneInTheirBatch() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "generate");
            int[] p = Golden.ints(g.get("prompt_ids"));
            int[] u = Golden.ints(g.get("unconditional_prompt_ids"));
            int vocab = b.manifest().vocabulary().vocabSize();
            int[] bad = p.clone();
            bad[1] = vocab;
            var r = new LlamaDecoder(b).decode(List.of(
                    DecodeRequest.image(bad, u, 3.0, Sampling.greedy()),
                    DecodeRequest.image(p, u, 3.0, Sampling.greedy()),
                    DecodeRequest.image(new int[0], u, 3.0, Sampling.greedy()),
                    DecodeRequest.image(p, new int[] {-1}, 3.0, Sampling.greedy()),
                    new DecodeRequest(p, u, 3.0, DecodeMode.IMAGE, 5, Sampling.greedy()),
                    DecodeRequest.text(p, 0, Sampling.greedy()),
                    DecodeRequest.image(p, u, Double.NaN, Sampling.greedy())));
            assertEquals(InputError.Reason.TOKEN_OUT_OF_RANGE, r.get(0).error().reason());
            assertTrue(r.get(0).error().message().contains(Integer.toString(vocab)), r.get(0).error().message());
            assertArrayEquals(Golden.ints(g.get("llm_visual_ids_coarse_first")), r.get(1).value().tokens());
            assertEquals(InputError.Reason.WRONG_TOKEN_COUNT, r.get(2).error().reason());
            assertEquals(InputError.Reason.TOKEN_OUT_OF_RANGE, r.get(3).error().reason());
            assertEquals(InputError.Reason.WRONG_TOKEN_COUNT, r.get(4).error().reason());
            assertEquals(InputError.Reason.INVALID_PARAMETER, r.get(5).error().reason());
            assertEquals(InputError.Reason.INVALID_PARAMETER, r.get(6).error().reason());
        }
    }
}
