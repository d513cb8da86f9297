package dev.ddtstream.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The inputs and expected outputs of a bundle's golden files, as the benchmark and the
 * end-to-end tests use them: known prompts with the codes greedy decoding must give, and images
 * with the codes the encoder must give.
 */
public final class GoldenCases {

    /**
     * A golden GENERATE run: greedy decoding of {@code prompt} with guidance gives {@code codes}.
     *
     * @param codes V_1..V_T, tokenizer order
     */
    public record Generation(String text, int[] prompt, int[] unconditionalPrompt, double cfgScale, int[] codes) {
    }

    /** An image as a PNG file and the codes (V_1..V_T) the encoder gives for it. */
    public record EncodedImage(byte[] png, int[] codes) {
    }

    /** A golden EDIT run: the source image, its codes, and the codes greedy guided decoding gives. */
    public record Edit(String instruction, EncodedImage source, double cfgScale, int[] codes) {
    }

    /** A golden CAPTION run: greedy decoding answers {@code question} ("" = describe) with {@code text}. */
    public record Caption(EncodedImage image, String question, String text) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final BundleManifest manifest;

    private GoldenCases(Path dir, BundleManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** The golden cases of the bundle in {@code bundleDir}; reads only its manifest until asked for more. */
    public static GoldenCases read(Path bundleDir) {
        return new GoldenCases(bundleDir, ManifestReader.read(bundleDir));
    }

    public Generation generate() {
        JsonNode g = file("generate");
        return new Generation(g.get("text").asText(), ints(g.get("prompt_ids")), ints(g.get("unconditional_prompt_ids")),
                g.get("cfg_scale").asDouble(), ints(g.get("tokens")));
    }

    public Edit edit() {
        JsonNode g = file("edit");
        EncodedImage source = new EncodedImage(RgbImages.png(uint8(g.get("source_image_uint8_nhwc_rgb").get("data")), 0,
                g.get("source_image_uint8_nhwc_rgb").get("shape").get(1).asInt()), ints(g.get("source_tokens")));
        return new Edit(g.get("text").asText(), source, g.get("cfg_scale").asDouble(), ints(g.get("tokens")));
    }

    public List<Caption> captions() {
        JsonNode g = file("caption");
        JsonNode u8 = g.get("image_uint8_nhwc_rgb");
        EncodedImage image = new EncodedImage(RgbImages.png(uint8(u8.get("data")), 0, u8.get("shape").get(1).asInt()), ints(g.get("tokens")));
        List<Caption> out = new ArrayList<>();
        g.get("runs").forEach(run -> out.add(new Caption(image, run.get("question").asText(), run.get("text").asText())));
        return out;
    }

    public List<EncodedImage> encoderImages() {
        JsonNode g = file("encoder");
        JsonNode u8 = g.get("extra").get("image_uint8_nhwc_rgb");
        JsonNode tokens = g.get("outputs").get("tokens");
        int n = u8.get("shape").get(0).asInt();
        int side = u8.get("shape").get(1).asInt();
        int t = tokens.get("shape").get(1).asInt();
        int[] codes = ints(tokens.get("data"));
        byte[] pixels = uint8(u8.get("data"));
        List<EncodedImage> out = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            out.add(new EncodedImage(RgbImages.png(pixels, b, side), Arrays.copyOfRange(codes, b * t, (b + 1) * t)));
        }
        return out;
    }

    private JsonNode file(String name) {
        String file = manifest.goldenFiles().get(name);
        if (file == null) {
            throw new BundleException(dir.resolve(ManifestReader.FILE_NAME), "golden.files." + name, "no such golden file", null);
        }
        try {
            return JSON.readTree(dir.resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden file " + dir.resolve(file), e);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** A uint8 tensor stored as JSON numbers. */
    private static byte[] uint8(JsonNode data) {
        byte[] out = new byte[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) data.get(i).asInt();
        }
        return out;
    }
}
