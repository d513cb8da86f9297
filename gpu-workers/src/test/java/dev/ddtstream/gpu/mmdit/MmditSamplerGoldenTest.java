package dev.ddtstream.gpu.mmdit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ddtstream.gpu.Golden;
import dev.ddtstream.gpu.TestBundles;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.InputError;
import dev.ddtstream.gpu.engine.ItemResult;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class MmditSamplerGoldenTest {

    private static final double X0_TOL = 1e-4;
    private static final double IMAGE_TOL = 1e-3;

    @Test
    void oneDenoiserStepMatchesGolden() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "denoiser");
            JsonNode in = g.get("inputs");
            int n = Golden.shape(in.get("x_t"))[0];
            float[] x0 = new MmditSampler(b).denoise(Golden.floats(in.get("x_t")), Golden.floats(in.get("t")),
                    Golden.longs(in.get("tokens")), n);
            double d = Golden.maxAbsDiff(Golden.floats(g.get("outputs").get("x0")), x0);
            TestBundles.report(b, "denoiser x0 (one step, t=" + in.get("t").get("data") + ")", d);
            assertTrue(d <= X0_TOL, "denoiser x0 differs by " + d);
        }
    }

    @Test
    void fullSamplingMatchesGoldenGenerateAndEdit() {
        for (ModelBundle b : TestBundles.all()) {
            for (String name : List.of("generate", "edit")) {
                JsonNode g = Golden.read(b, name);
                List<float[]> steps = new ArrayList<>();
                SampledImage img = new MmditSampler(b).sample(List.of(SampleRequest.withNoise(
                        Golden.ints(g.get("tokens")), Golden.floats(g.get("noise")))), (k, x) -> steps.add(x)).get(0).value();
                // the steps the golden file kept x after (older bundles kept every one)
                JsonNode kept = g.get("sampler_x_at_steps");
                JsonNode wantX = kept != null ? kept.get("x") : g.get("sampler_x_after_each_step");
                assertEquals(b.manifest().sampler().steps(), steps.size());
                double stepMax = 0;
                for (int i = 0; i < wantX.size(); i++) {
                    int k = kept != null ? kept.get("steps").get(i).asInt() : i;
                    stepMax = Math.max(stepMax, Golden.maxAbsDiff(Golden.floats(wantX.get(i)), steps.get(k)));
                }
                double d = Golden.maxAbsDiff(Golden.floats(g.get("image")), img.pixels());
                int[] want = Golden.rgbImage(g.get("image_uint8_nhwc_rgb"), 0);
                int px = 0;
                for (int i = 0; i < want.length; i++) {
                    for (int sh = 0; sh <= 16; sh += 8) {
                        px = Math.max(px, Math.abs((want[i] >> sh & 0xFF) - (img.rgb()[i] >> sh & 0xFF)));
                    }
                }
                TestBundles.report(b, name + " sampler x over all steps", stepMax);
                TestBundles.report(b, name + " sampled image", d);
                TestBundles.report(b, name + " uint8 pixels", px);
                assertTrue(stepMax <= IMAGE_TOL, "sampler steps differ by " + stepMax);
                assertTrue(d <= IMAGE_TOL, "sampled image differs by " + d);
                assertTrue(px <= 1, "uint8 pixels differ by " + px);
            }
        }
    }

    @Test
    void seededSamplingGivesPngOfManifestSizeAndIsDeterministic() throws IOException {
        for (ModelBundle b : TestBundles.all()) {
            int[] codes = Golden.ints(Golden.read(b, "generate").get("tokens"));
            MmditSampler s = new MmditSampler(b);
            List<ItemResult<SampledImage>> r = s.sample(List.of(SampleRequest.seeded(codes, 42), SampleRequest.seeded(codes, 42),
                    SampleRequest.seeded(codes, 43)));
            assertArrayEquals(r.get(0).value().pixels(), r.get(1).value().pixels());
            assertFalse(Arrays.equals(r.get(0).value().pixels(), r.get(2).value().pixels()));
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(r.get(0).value().png()));
            assertNotNull(png);
            assertEquals(b.manifest().imageSize(), png.getWidth());
            assertEquals(b.manifest().imageSize(), png.getHeight());
            assertEquals(r.get(0).value().rgb()[5], png.getRGB(5, 0) & 0xFFFFFF);
        }
    }

    @Test
    void imagesWithTheirOwnStepCountsShareCallsAndRenderAsAlone() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "generate");
            int[] codes = Golden.ints(g.get("tokens"));
            float[] noise = Golden.floats(g.get("noise"));
            MmditSampler s = new MmditSampler(b);
            int full = s.steps();
            int few = Math.max(1, full / 4);
            List<Integer> calls = new ArrayList<>();
            List<ItemResult<SampledImage>> mixed = s.sample(List.of(SampleRequest.withNoise(codes, noise),
                    SampleRequest.withNoise(codes, noise).withSteps(few), SampleRequest.withNoise(codes, noise).withSteps(1),
                    SampleRequest.withNoise(codes, noise).withSteps(full + 1)), (k, x) -> calls.add(x.length));
            int plane = 3 * b.manifest().imageSize() * b.manifest().imageSize();
            assertEquals(full, calls.size(), "the longest image sets the number of calls");
            assertEquals(3 * plane, calls.get(0), "three images in the first call");
            assertEquals(plane, calls.get(full - 1), "the short ones have left by the last");
            assertEquals(InputError.Reason.INVALID_PARAMETER, mixed.get(3).error().reason());
            double d = Golden.maxAbsDiff(Golden.floats(g.get("image")), mixed.get(0).value().pixels());
            assertTrue(d <= IMAGE_TOL, "the full-steps image differs from its golden by " + d);
            for (int i : new int[] {1, 2}) {
                int steps = i == 1 ? few : 1;
                float[] alone = s.sample(List.of(SampleRequest.withNoise(codes, noise).withSteps(steps))).get(0).value().pixels();
                assertTrue(Golden.maxAbsDiff(alone, mixed.get(i).value().pixels()) <= 1e-5, steps + " steps in a batch as alone");
            }
            assertFalse(Arrays.equals(mixed.get(0).value().pixels(), mixed.get(2).value().pixels()), "one step is not the full render");
        }
    }

    @Test
    void badCodesFailAloneInTheirBatch() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "generate");
            int[] codes = Golden.ints(g.get("tokens"));
            float[] noise = Golden.floats(g.get("noise"));
            int[] outOfRange = codes.clone();
            outOfRange[3] = b.manifest().vocabulary().codebookSize();
            int[] tooShort = Arrays.copyOf(codes, codes.length - 1);
            List<ItemResult<SampledImage>> r = new MmditSampler(b).sample(List.of(
                    SampleRequest.withNoise(outOfRange, noise), SampleRequest.withNoise(codes, noise),
                    SampleRequest.withNoise(tooShort, noise), SampleRequest.withNoise(codes, new float[7])));
            assertEquals(InputError.Reason.TOKEN_OUT_OF_RANGE, r.get(0).error().reason());
            assertEquals(InputError.Reason.WRONG_TOKEN_COUNT, r.get(2).error().reason());
            assertEquals(InputError.Reason.INVALID_PARAMETER, r.get(3).error().reason());
            double d = Golden.maxAbsDiff(Golden.floats(g.get("image")), r.get(1).value().pixels());
            assertTrue(d <= IMAGE_TOL, "the good request of a mixed batch differs by " + d);
        }
    }
}
