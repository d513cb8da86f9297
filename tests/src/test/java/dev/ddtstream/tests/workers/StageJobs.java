package dev.ddtstream.tests.workers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaMode;
import dev.ddtstream.events.MmditJob;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.gpu.bundle.BundleLocator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Jobs for the three stages built from the committed bundle's golden files. */
final class StageJobs {

    static final Path BUNDLE = BundleLocator.committed().orElseThrow(() -> new IllegalStateException("no committed bundle"));
    private static final ObjectMapper JSON = new ObjectMapper();

    final List<Integer> generatePrompt;
    final List<Integer> generateUnconditional;
    final float generateCfg;
    /** The golden GENERATE codes, V_1..V_T, for the prompt above decoded greedily. */
    final List<Integer> generateCodes;
    /** The encoder golden's images as PNG files, and their golden codes. */
    final List<byte[]> encoderImages = new ArrayList<>();
    final List<List<Integer>> encoderCodes = new ArrayList<>();

    StageJobs() {
        JsonNode gen = golden("generate");
        generatePrompt = ints(gen.get("prompt_ids"));
        generateUnconditional = ints(gen.get("unconditional_prompt_ids"));
        generateCfg = (float) gen.get("cfg_scale").asDouble();
        generateCodes = ints(gen.get("tokens"));
        JsonNode enc = golden("encoder");
        JsonNode u8 = enc.get("extra").get("image_uint8_nhwc_rgb");
        JsonNode tokens = enc.get("outputs").get("tokens");
        int n = u8.get("shape").get(0).asInt();
        int side = u8.get("shape").get(1).asInt();
        int t = tokens.get("shape").get(1).asInt();
        List<Integer> all = ints(tokens.get("data"));
        for (int b = 0; b < n; b++) {
            encoderImages.add(png(u8.get("data"), b, side));
            encoderCodes.add(all.subList(b * t, (b + 1) * t));
        }
    }

    static EncoderJob encoder(String id, byte[] image, Long deadlineMs) {
        return new EncoderJob(id, RequestKind.CAPTION, ByteBuffer.wrap(image), System.currentTimeMillis(), deadlineMs);
    }

    /** IMAGE mode with guidance; temperature 0 is greedy (the golden setting). */
    LlamaJob generate(String id, float temperature, long seed) {
        SamplingParams s = new SamplingParams(temperature, temperature == 0 ? 0 : 64, 1.0f, generateCfg, null);
        return new LlamaJob(id, RequestKind.GENERATE, LlamaMode.IMAGE, generatePrompt, generateUnconditional, s, seed,
                System.currentTimeMillis(), null);
    }

    static LlamaJob llama(String id, List<Integer> prompt, SamplingParams s) {
        return new LlamaJob(id, RequestKind.GENERATE, LlamaMode.IMAGE, prompt, null, s, 1L, System.currentTimeMillis(), null);
    }

    static MmditJob mmdit(String id, List<Integer> codes, long seed) {
        return new MmditJob(id, RequestKind.GENERATE, codes, seed, System.currentTimeMillis(), null);
    }

    private static JsonNode golden(String name) {
        try {
            return JSON.readTree(BUNDLE.resolve("golden").resolve(name + ".json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asInt()));
        return out;
    }

    private static byte[] png(JsonNode data, int index, int side) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        int base = index * side * side * 3;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int p = base + (y * side + x) * 3;
                img.setRGB(x, y, data.get(p).asInt() << 16 | data.get(p + 1).asInt() << 8 | data.get(p + 2).asInt());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
