package dev.ddtstream.bundle;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Square RGB images as bundles store them (uint8, N x S x S x 3, row-major) and as PNG files. */
public final class RgbImages {

    private RgbImages() {
    }

    /** Image {@code index} of an (n, side, side, 3) uint8 array. */
    public static BufferedImage image(byte[] nhwc, int index, int side) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        int base = index * side * side * 3;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int p = base + (y * side + x) * 3;
                img.setRGB(x, y, (nhwc[p] & 0xFF) << 16 | (nhwc[p + 1] & 0xFF) << 8 | (nhwc[p + 2] & 0xFF));
            }
        }
        return img;
    }

    /** Image {@code index} of an (n, side, side, 3) uint8 array as a PNG file. */
    public static byte[] png(byte[] nhwc, int index, int side) {
        return png(image(nhwc, index, side));
    }

    /** Packed {@code 0xRRGGBB} pixels of a square image, row by row, as a PNG file. */
    public static byte[] png(int[] rgb, int side) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, side, side, rgb, 0, side);
        return png(img);
    }

    /** A lossless PNG file of the image: whoever decodes it sees exactly these pixels. */
    public static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
