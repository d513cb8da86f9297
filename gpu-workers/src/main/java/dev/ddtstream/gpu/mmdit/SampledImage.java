package dev.ddtstream.gpu.mmdit;

/**
 * A rendered image.
 *
 * @param pixels the final x clamped to [-1, 1], (3, S, S) row-major float32
 * @param rgb    packed {@code 0xRRGGBB} pixels, row-major, after denormalisation
 * @param png    the image as PNG bytes (S x S, RGB)
 */
public record SampledImage(float[] pixels, int[] rgb, byte[] png) {
}
