package dev.ddtstream.gpu.encoder;

/**
 * Limits applied before an uploaded image is decoded, so a hostile file cannot exhaust memory.
 *
 * @param maxBytes  largest accepted encoded size
 * @param maxPixels largest accepted width x height (read from the header before decoding)
 */
public record ImageLimits(int maxBytes, long maxPixels) {

    public ImageLimits {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
    }

    /** 16 MiB and 4096 x 4096 pixels. */
    public static ImageLimits defaults() {
        return new ImageLimits(16 << 20, 4096L * 4096L);
    }
}
