package dev.ddtstream.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SamplingParams;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

    private static final PromptTemplates TEMPLATES = PromptTemplates.load(BundleLocator.committed().orElseThrow());
    private static final RequestLimits LIMITS = new RequestLimits(8, 10_000, 64 * 64, 5f, 20f, 64);
    private static final RequestValidator VALIDATOR = new RequestValidator(LIMITS, TEMPLATES);
    private static final long NOW = 1_000_000L;

    @AfterAll
    static void close() {
        TEMPLATES.close();
    }

    private static GenerationRequest.Builder request(RequestKind kind) {
        return GenerationRequest.newBuilder().setRequestId("r").setKind(kind).setCreatedAtMs(NOW);
    }

    private static ErrorReason reason(GenerationRequest r) {
        return VALIDATOR.check(r, NOW).map(RequestValidator.Rejection::reason).orElse(null);
    }

    private static ByteBuffer png(int side) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB), "png", out);
        return ByteBuffer.wrap(out.toByteArray());
    }

    @Test
    void wellFormedRequestsOfEachKindPass() throws Exception {
        assertTrue(VALIDATOR.check(request(RequestKind.GENERATE).setPrompt("two red circles").build(), NOW).isEmpty());
        assertTrue(VALIDATOR.check(request(RequestKind.EDIT).setPrompt("make it blue").setImage(png(32)).build(), NOW).isEmpty());
        assertTrue(VALIDATOR.check(request(RequestKind.CAPTION).setImage(png(32)).setDeadlineMs(NOW + 1).build(), NOW).isEmpty());
    }

    @Test
    void eachRuleHasItsReason() throws Exception {
        assertEquals(ErrorReason.PROMPT_MISSING, reason(request(RequestKind.GENERATE).build()));
        assertEquals(ErrorReason.PROMPT_MISSING, reason(request(RequestKind.EDIT).setPrompt(" ").setImage(png(32)).build()));
        assertEquals(ErrorReason.PROMPT_TOO_LONG, reason(request(RequestKind.GENERATE).setPrompt("red ".repeat(9)).build()));
        assertEquals(ErrorReason.IMAGE_MISSING, reason(request(RequestKind.CAPTION).build()));
        assertEquals(ErrorReason.IMAGE_UNDECODABLE, reason(request(RequestKind.CAPTION).setImage(ByteBuffer.wrap(new byte[] {1, 2, 3})).build()));
        assertEquals(ErrorReason.IMAGE_TOO_LARGE, reason(request(RequestKind.CAPTION).setImage(png(65)).build()), "pixels");
        assertEquals(ErrorReason.IMAGE_TOO_LARGE, reason(request(RequestKind.CAPTION).setImage(ByteBuffer.wrap(new byte[10_001])).build()), "bytes");
        assertEquals(ErrorReason.SAMPLING_OUT_OF_RANGE, reason(request(RequestKind.GENERATE).setPrompt("a circle")
                .setSampling(new SamplingParams(6f, 0, 1f, 0f, null)).build()));
        assertEquals(ErrorReason.SAMPLING_OUT_OF_RANGE, reason(request(RequestKind.GENERATE).setPrompt("a circle")
                .setSampling(new SamplingParams(1f, 0, 0f, 0f, null)).build()));
        assertEquals(ErrorReason.SAMPLING_OUT_OF_RANGE, reason(request(RequestKind.CAPTION).setImage(png(32))
                .setSampling(new SamplingParams(0f, 0, 1f, 0f, 65)).build()));
        int bundleSteps = TEMPLATES.manifest().sampler().steps();
        assertEquals(ErrorReason.SAMPLING_OUT_OF_RANGE, reason(request(RequestKind.GENERATE).setPrompt("a circle")
                .setSamplerSteps(bundleSteps + 1).build()), "more sampler steps than the bundle's");
        assertEquals(ErrorReason.SAMPLING_OUT_OF_RANGE, reason(request(RequestKind.GENERATE).setPrompt("a circle").setSamplerSteps(0).build()));
        assertTrue(VALIDATOR.check(request(RequestKind.GENERATE).setPrompt("a circle").setSamplerSteps(bundleSteps).build(), NOW).isEmpty());
        assertEquals(ErrorReason.DEADLINE_EXCEEDED, reason(request(RequestKind.GENERATE).setPrompt("a circle").setDeadlineMs(NOW).build()));
    }
}
