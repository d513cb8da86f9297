package dev.ddtstream.orchestration;

import dev.ddtstream.schemas.PayloadLimit;

/**
 * What a request may ask for; the orchestrators refuse anything beyond with a typed error.
 *
 * @param promptWords     most text tokens in a prompt, instruction or question
 * @param imageBytes      largest source image file: the deployment's payload limit
 * @param imagePixels     most pixels (width x height) of a source image, read from its header
 * @param maxTemperature  sampling temperature range is [0, maxTemperature]
 * @param maxCfgScale     guidance scale range is [0, maxCfgScale]
 * @param maxNewTokens    caption length limit range is [1, maxNewTokens]
 */
public record RequestLimits(int promptWords, int imageBytes, long imagePixels, float maxTemperature,
                            float maxCfgScale, int maxNewTokens) {

    public RequestLimits {
        if (promptWords < 1 || imageBytes < 1 || imagePixels < 1 || maxNewTokens < 1) {
            throw new IllegalArgumentException("request limits must be positive: " + this);
        }
        if (!(maxTemperature >= 0) || !(maxCfgScale >= 0)) {
            throw new IllegalArgumentException("temperature and guidance limits must be >= 0: " + this);
        }
    }

    /** 64 words, the default payload limit and 4096 x 4096 pixels per image, temperature <= 5, guidance <= 20, captions <= 256 tokens. */
    public static RequestLimits defaults() {
        return new RequestLimits(64, PayloadLimit.DEFAULT.maxImageBytes(), 4096L * 4096L, 5f, 20f, 256);
    }
}
