package dev.ddtstream.bundle;

/**
 * Classifier-free guidance as the manifest's {@code decoding.cfg.rule} defines it:
 * {@code guided = uncond + scale * (cond - uncond)} on the logits, with a second, unconditional
 * row per request. The one convention for "no guidance" everywhere (requests on the wire, the
 * orchestrators, the LLaMA engine): a scale of 1 or less. At 1 the rule gives the conditional
 * logits alone; below it (0 is the wire's default) it would only weaken the prompt, so the
 * unconditional row is not run at all, as in diffusers ({@code guidance_scale > 1}).
 */
public final class Guidance {

    private Guidance() {
    }

    /** Whether {@code scale} calls for the unconditional row. */
    public static boolean applies(double scale) {
        return scale > 1;
    }
}
