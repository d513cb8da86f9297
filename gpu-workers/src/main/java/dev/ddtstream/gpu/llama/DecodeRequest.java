package dev.ddtstream.gpu.llama;

import dev.ddtstream.bundle.Guidance;
import java.util.Objects;

/**
 * One sequence to continue.
 *
 * @param prompt               token ids of the conditional prompt (template already applied)
 * @param unconditionalPrompt  the prompt without caption/instruction for classifier-free
 *                             guidance, or null for none
 * @param cfgScale             guidance scale: {@code guided = uncond + scale * (cond - uncond)};
 *                             without an unconditional prompt, or where {@link Guidance#applies}
 *                             says no (1 or less), one row runs without guidance
 * @param mode                 IMAGE: exactly T visual tokens; TEXT: words until end-of-sequence
 * @param maxNewTokens         TEXT: the most tokens to emit (including end-of-sequence);
 *                             IMAGE: must be 0 or T
 * @param sampling             greedy or seeded sampling
 */
public record DecodeRequest(int[] prompt, int[] unconditionalPrompt, double cfgScale, DecodeMode mode,
                            int maxNewTokens, Sampling sampling) {

    public DecodeRequest {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(sampling, "sampling");
    }

    /** IMAGE mode with guidance. */
    public static DecodeRequest image(int[] prompt, int[] unconditionalPrompt, double cfgScale, Sampling sampling) {
        return new DecodeRequest(prompt, unconditionalPrompt, cfgScale, DecodeMode.IMAGE, 0, sampling);
    }

    /** TEXT mode without guidance. */
    public static DecodeRequest text(int[] prompt, int maxNewTokens, Sampling sampling) {
        return new DecodeRequest(prompt, null, 1.0, DecodeMode.TEXT, maxNewTokens, sampling);
    }

    /** Whether this request runs a second, unconditional row. */
    public boolean usesGuidance() {
        return unconditionalPrompt != null && Guidance.applies(cfgScale);
    }
}
