package dev.ddtstream.bundle;

import java.util.Locale;

/**
 * The bundle's serving defaults for dynamic batching (manifest {@code batching}), one policy per
 * stage, as a Triton model configuration carries its {@code dynamic_batching}: facts about the
 * model's costs that a deployment may override per stage.
 */
public record Batching(BatchPolicy encoder, BatchPolicy llama, BatchPolicy mmdit) {

    /** Stage keys as the manifest names them. */
    public static final String ENCODER = "encoder";
    public static final String LLAMA = "llama";
    public static final String MMDIT = "mmdit";

    /** The policy of a stage by its manifest key ({@code encoder}, {@code llama}, {@code mmdit}), any case. */
    public BatchPolicy forStage(String key) {
        return switch (key.toLowerCase(Locale.ROOT)) {
            case ENCODER -> encoder;
            case LLAMA -> llama;
            case MMDIT -> mmdit;
            default -> throw new IllegalArgumentException("no GPU stage named '" + key + "' (encoder, llama, mmdit)");
        };
    }
}
