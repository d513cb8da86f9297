package dev.ddtstream.orchestration;

import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SamplingParams;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.apache.kafka.common.utils.Utils;

/**
 * Admission checks, cheapest first: prompt, image (size, then its header: format and pixel count,
 * without decoding the pixels), sampling ranges, deadline. The GPU stages check again what only
 * they can (the pixels themselves, token ranges).
 */
public final class RequestValidator {

    /** Why a request was refused. */
    public record Rejection(ErrorReason reason, String message) {
    }

    private final RequestLimits limits;
    private final PromptTemplates templates;

    public RequestValidator(RequestLimits limits, PromptTemplates templates) {
        this.limits = limits;
        this.templates = templates;
    }

    public Optional<Rejection> check(GenerationRequest r, long nowMs) {
        RequestKind kind = r.getKind();
        String prompt = r.getPrompt();
        if ((kind == RequestKind.GENERATE || kind == RequestKind.EDIT) && (prompt == null || prompt.isBlank())) {
            return reject(ErrorReason.PROMPT_MISSING, kind == RequestKind.EDIT ? "an EDIT request needs an instruction"
                    : "a GENERATE request needs a prompt");
        }
        if (prompt != null) {
            int words = templates.words(prompt).length;
            if (words > limits.promptWords()) {
                return reject(ErrorReason.PROMPT_TOO_LONG, "prompt has " + words + " tokens, limit " + limits.promptWords());
            }
        }
        if (kind != RequestKind.GENERATE) {
            Optional<Rejection> image = checkImage(r.getImage());
            if (image.isPresent()) {
                return image;
            }
        }
        SamplingParams s = r.getSampling();
        if (s != null) {
            if (!(s.getTemperature() >= 0 && s.getTemperature() <= limits.maxTemperature())) {
                return reject(ErrorReason.SAMPLING_OUT_OF_RANGE, "temperature must be in [0, " + limits.maxTemperature() + "], got " + s.getTemperature());
            }
            if (s.getTopK() < 0) {
                return reject(ErrorReason.SAMPLING_OUT_OF_RANGE, "topK must be >= 0, got " + s.getTopK());
            }
            if (!(s.getTopP() > 0 && s.getTopP() <= 1)) {
                return reject(ErrorReason.SAMPLING_OUT_OF_RANGE, "topP must be in (0, 1], got " + s.getTopP());
            }
            if (!(s.getCfgScale() >= 0 && s.getCfgScale() <= limits.maxCfgScale())) {
                return reject(ErrorReason.SAMPLING_OUT_OF_RANGE, "cfgScale must be in [0, " + limits.maxCfgScale() + "], got " + s.getCfgScale());
            }
            Integer maxNew = s.getMaxNewTokens();
            if (maxNew != null && (maxNew < 1 || maxNew > limits.maxNewTokens())) {
                return reject(ErrorReason.SAMPLING_OUT_OF_RANGE, "maxNewTokens must be in [1, " + limits.maxNewTokens() + "], got " + maxNew);
            }
        }
        Integer steps = r.getSamplerSteps();
        int bundleSteps = templates.manifest().sampler().steps();
        if (steps != null && (steps < 1 || steps > bundleSteps)) {
            return reject(ErrorReason.SAMPLING_OUT_OF_RANGE, "samplerSteps must be in [1, " + bundleSteps
                    + "] (the bundle's sampler.steps), got " + steps);
        }
        if (r.getDeadlineMs() != null && r.getDeadlineMs() <= nowMs) {
            return reject(ErrorReason.DEADLINE_EXCEEDED, "deadline " + r.getDeadlineMs() + " passed before admission (now " + nowMs + ")");
        }
        return Optional.empty();
    }

    private Optional<Rejection> checkImage(ByteBuffer image) {
        if (image == null || !image.hasRemaining()) {
            return reject(ErrorReason.IMAGE_MISSING, "EDIT, CAPTION and TOKENIZE requests need a source image");
        }
        if (image.remaining() > limits.imageBytes()) {
            return reject(ErrorReason.IMAGE_TOO_LARGE, "image has " + image.remaining() + " bytes, limit " + limits.imageBytes());
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(Utils.toArray(image)))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return reject(ErrorReason.IMAGE_UNDECODABLE, "image is not in a format this service reads (PNG, JPEG, BMP, GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels < 1 || pixels > limits.imagePixels()) {
                    return reject(ErrorReason.IMAGE_TOO_LARGE, "image has " + reader.getWidth(0) + " x " + reader.getHeight(0)
                            + " pixels, limit " + limits.imagePixels());
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return reject(ErrorReason.IMAGE_UNDECODABLE, "image header cannot be read: " + e.getMessage());
        }
        return Optional.empty();
    }

    private static Optional<Rejection> reject(ErrorReason reason, String message) {
        return Optional.of(new Rejection(reason, message));
    }
}
