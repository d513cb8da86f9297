package dev.ddtstream.bundle;

/**
 * How the bundle's authors recommend decoding it (manifest {@code decoding}): what a request gets
 * when it names no sampling settings of its own.
 *
 * @param temperature          image-token sampling temperature ({@code sampling_recommendation.temperature})
 * @param topK                 image-token top-k, 0 = none ({@code sampling_recommendation.top_k})
 * @param cfgGenerate          guidance scale for GENERATE ({@code cfg.generate_scale})
 * @param cfgEdit              guidance scale for EDIT ({@code cfg.edit_scale})
 * @param captionMaxNewTokens  the most tokens a caption may take, end-of-sequence included
 *                             ({@code caption_max_new_tokens}); captions are decoded greedily
 */
public record DecodingDefaults(double temperature, int topK, double cfgGenerate, double cfgEdit, int captionMaxNewTokens) {

    public DecodingDefaults {
        if (!(temperature >= 0) || topK < 0 || !(cfgGenerate >= 0) || !(cfgEdit >= 0) || captionMaxNewTokens < 1) {
            throw new IllegalArgumentException("decoding defaults out of range: " + this);
        }
    }
}
