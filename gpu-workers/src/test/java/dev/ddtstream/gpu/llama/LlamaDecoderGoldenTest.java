package dev.ddtstream.gpu.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.bundle.RgbImages;
import dev.ddtstream.bundle.VisualTokens;
import dev.ddtstream.gpu.Golden;
import dev.ddtstream.gpu.TestBundles;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.encoder.DdtEncoder;
import dev.ddtstream.gpu.mmdit.MmditSampler;
import dev.ddtstream.gpu.mmdit.SampleRequest;
import dev.ddtstream.gpu.mmdit.SampledImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whole-generation goldens: prompt ids -> tokens -> image, image -> tokens, tokens -> caption. */
class LlamaDecoderGoldenTest {

    private static DecodeRequest imageRequest(JsonNode g) {
        return DecodeRequest.image(Golden.ints(g.get("prompt_ids")), Golden.ints(g.get("unconditional_prompt_ids")),
                g.get("cfg_scale").asDouble(), Sampling.greedy());
    }

    @Test
    void generatePromptToTokensToImage() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "generate");
            DecodeResult r = new LlamaDecoder(b).decode(List.of(imageRequest(g))).get(0).value();
            assertArrayEquals(Golden.ints(g.get("llm_visual_ids_coarse_first")), r.tokens(), "GENERATE tokens");
            assertEquals(DecodeResult.Finish.IMAGE_COMPLETE, r.finish());
            int[] codes = VisualTokens.toCodes(b.manifest().vocabulary(), r.tokens());
            assertArrayEquals(Golden.ints(g.get("tokens")), codes);
            assertRendersGoldenImage(b, g, codes, "generate end-to-end image");
        }
    }

    @Test
    void editImageToTokensToImage() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "edit");
            int s = b.manifest().imageSize();
            int[] src = new DdtEncoder(b).encode(List.of(RgbImages.png(Golden.rgbImage(g.get("source_image_uint8_nhwc_rgb"), 0), s)))
                    .get(0).value();
            Golden.assertImageTokens(b, Golden.ints(g.get("source_tokens")), src, "edit source image -> tokens");
            int[] prompt = Golden.ints(g.get("prompt_ids"));
            int[] span = VisualTokens.toLlmIds(b.manifest().vocabulary(), Golden.ints(g.get("source_tokens")));
            // the prompt's image span is the encoder's tokens, coarse-first, right after <bos> <edit> <boi>
            assertArrayEquals(span, Arrays.copyOfRange(prompt, 3, 3 + span.length));
            DecodeResult r = new LlamaDecoder(b).decode(List.of(imageRequest(g))).get(0).value();
            assertArrayEquals(Golden.ints(g.get("llm_visual_ids_coarse_first")), r.tokens(), "EDIT tokens");
            assertRendersGoldenImage(b, g, VisualTokens.toCodes(b.manifest().vocabulary(), r.tokens()),
                    "edit end-to-end image");
        }
    }

    @Test
    void captionImageToTokensToText() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "caption");
            int s = b.manifest().imageSize();
            int[] codes = new DdtEncoder(b).encode(List.of(RgbImages.png(Golden.rgbImage(g.get("image_uint8_nhwc_rgb"), 0), s)))
                    .get(0).value();
            Golden.assertImageTokens(b, Golden.ints(g.get("tokens")), codes, "caption image -> tokens");
            LlamaDecoder dec = new LlamaDecoder(b);
            try (PromptTemplates text = PromptTemplates.load(b.directory())) {
                for (JsonNode run : g.get("runs")) {
                    DecodeResult r = dec.decode(List.of(DecodeRequest.text(Golden.ints(run.get("prompt_ids")),
                            b.manifest().decoding().captionMaxNewTokens(), Sampling.greedy()))).get(0).value();
                    assertArrayEquals(Golden.ints(run.get("output_ids")), r.tokens(), "caption ids for '" + run.get("question") + "'");
                    assertEquals(run.get("text").asText(), text.captionText(Arrays.stream(r.tokens()).boxed().toList()));
                }
            }
        }
    }

    @Test
    void mixedBatchReproducesEachGolden() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode gen = Golden.read(b, "generate");
            JsonNode ed = Golden.read(b, "edit");
            JsonNode cap = Golden.read(b, "caption");
            List<DecodeRequest> batch = new ArrayList<>();
            batch.add(DecodeRequest.text(Golden.ints(cap.get("runs").get(1).get("prompt_ids")), 32, Sampling.greedy()));
            batch.add(imageRequest(gen));
            batch.add(imageRequest(ed));
            batch.add(DecodeRequest.text(Golden.ints(cap.get("runs").get(0).get("prompt_ids")), 32, Sampling.greedy()));
            var r = new LlamaDecoder(b).decode(batch);
            assertArrayEquals(Golden.ints(cap.get("runs").get(1).get("output_ids")), r.get(0).value().tokens());
            assertArrayEquals(Golden.ints(gen.get("llm_visual_ids_coarse_first")), r.get(1).value().tokens());
            assertArrayEquals(Golden.ints(ed.get("llm_visual_ids_coarse_first")), r.get(2).value().tokens());
            assertArrayEquals(Golden.ints(cap.get("runs").get(0).get("output_ids")), r.get(3).value().tokens());
        }
    }

    /** Renders {@code codes} from the golden run's stored noise and compares with its image. */
    private static void assertRendersGoldenImage(ModelBundle b, JsonNode g, int[] codes, String what) {
        SampledImage img = new MmditSampler(b).sample(List.of(SampleRequest.withNoise(codes, Golden.floats(g.get("noise")))))
                .get(0).value();
        double d = Golden.maxAbsDiff(Golden.floats(g.get("image")), img.pixels());
        TestBundles.report(b, what, d);
        assertEquals(0.0, d, 1e-3);
    }
}
