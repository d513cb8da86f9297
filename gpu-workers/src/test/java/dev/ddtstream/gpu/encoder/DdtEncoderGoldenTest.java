package dev.ddtstream.gpu.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ddtstream.bundle.RgbImages;
import dev.ddtstream.gpu.Golden;
import dev.ddtstream.gpu.TestBundles;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.InputError;
import dev.ddtstream.gpu.engine.ItemResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DdtEncoderGoldenTest {

    @Test
    void pngOfGoldenImagesEncodesToGoldenIds() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "encoder");
            JsonNode u8 = g.get("extra").get("image_uint8_nhwc_rgb");
            int n = Golden.shape(u8)[0];
            int s = b.manifest().imageSize();
            int t = b.manifest().tokensPerImage();
            long[] want = Golden.longs(g.get("outputs").get("tokens"));
            List<byte[]> images = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                images.add(RgbImages.png(Golden.rgbImage(u8, i), s));
            }
            List<ItemResult<int[]>> got = new DdtEncoder(b).encode(images);
            float[] margin = Golden.floats(g.get("extra").get("top2_cosine_margin"));
            int mismatches = 0;
            for (int i = 0; i < n; i++) {
                int[] ids = got.get(i).value();
                assertEquals(t, ids.length);
                for (int k = 0; k < t; k++) {
                    if (ids[k] != want[i * t + k]) {
                        mismatches++;
                        // the golden file's own rule: a token may differ only at a near-tie of two codes
                        assertTrue(margin[i * t + k] < 1e-5, "image " + i + " token " + k + ": " + ids[k] + " != golden "
                                + want[i * t + k] + " with top-2 margin " + margin[i * t + k]);
                    }
                }
            }
            System.out.println("GOLDEN " + b.directory() + " encoder token mismatches=" + mismatches + " of " + n * t
                    + " (all at top-2 margins < 1e-5)");
        }
    }

    @Test
    void normalisedInputMatchesGoldenTensor() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "encoder");
            float[] want = Golden.floats(g.get("inputs").get("image"));
            JsonNode u8 = g.get("extra").get("image_uint8_nhwc_rgb");
            int s = b.manifest().imageSize();
            int p = s * s;
            float[] got = new float[want.length];
            for (int i = 0; i < Golden.shape(u8)[0]; i++) {
                int[] rgb = Golden.rgbImage(u8, i);
                for (int k = 0; k < p; k++) {
                    got[i * 3 * p + k] = b.manifest().normalization().normalize(rgb[k] >> 16 & 0xFF);
                    got[i * 3 * p + p + k] = b.manifest().normalization().normalize(rgb[k] >> 8 & 0xFF);
                    got[i * 3 * p + 2 * p + k] = b.manifest().normalization().normalize(rgb[k] & 0xFF);
                }
            }
            assertEquals(0.0, Golden.maxAbsDiff(want, got), "normalisation must be bit-exact");
        }
    }

    @Test
    void badImageFailsAloneInItsBatch() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode g = Golden.read(b, "encoder");
            JsonNode u8 = g.get("extra").get("image_uint8_nhwc_rgb");
            int s = b.manifest().imageSize();
            byte[] good = RgbImages.png(Golden.rgbImage(u8, 0), s);
            List<ItemResult<int[]>> got = new DdtEncoder(b).encode(List.of(good, "not an image".getBytes(), good, new byte[0]));
            assertTrue(got.get(0).isOk());
            assertFalse(got.get(1).isOk());
            assertEquals(InputError.Reason.UNDECODABLE_IMAGE, got.get(1).error().reason());
            assertArrayEquals(got.get(0).value(), got.get(2).value());
            assertEquals(InputError.Reason.UNDECODABLE_IMAGE, got.get(3).error().reason());
        }
    }

    @Test
    void largerImageIsResizedAndEncoded() {
        for (ModelBundle b : TestBundles.all()) {
            int side = b.manifest().imageSize() * 3;
            int[] rgb = new int[side * side];
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] = (i % side < side / 2) ? 0xDC2828 : 0x1C1C1C;
            }
            ItemResult<int[]> r = new DdtEncoder(b).encode(List.of(RgbImages.png(rgb, side))).get(0);
            assertEquals(b.manifest().tokensPerImage(), r.value().length);
        }
    }
}
