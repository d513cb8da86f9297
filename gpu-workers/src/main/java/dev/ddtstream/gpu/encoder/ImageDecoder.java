package dev.ddtstream.gpu.encoder;

import dev.ddtstream.gpu.engine.InputError.Reason;
import dev.ddtstream.gpu.engine.InvalidInputException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG/JPEG/BMP/GIF bytes with ImageIO into packed RGB pixels of a square side S:
 * the header is read first and images over the pixel limit are refused before decoding;
 * transparency is composited over black; other sizes are resized with bilinear filtering
 * (halving first, so large images do not alias).
 */
public final class ImageDecoder {

    private final ImageLimits limits;
    private final int side;

    public ImageDecoder(ImageLimits limits, int side) {
        this.limits = limits;
        if (side <= 0) {
            throw new IllegalArgumentException("side must be positive");
        }
        this.side = side;
    }

    /** Returns {@code side*side} packed {@code 0xRRGGBB} pixels in row-major order. */
    public int[] decodeRgb(byte[] bytes) throws InvalidInputException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidInputException(Reason.UNDECODABLE_IMAGE, "image bytes are empty");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new InvalidInputException(Reason.IMAGE_TOO_LARGE, "image is " + bytes.length + " bytes, limit " + limits.maxBytes());
        }
        BufferedImage img = read(bytes);
        return toRgb(resize(img));
    }

    private BufferedImage read(byte[] bytes) throws InvalidInputException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new InvalidInputException(Reason.UNDECODABLE_IMAGE, "not a supported image format (PNG, JPEG, BMP, GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw new InvalidInputException(Reason.UNDECODABLE_IMAGE, "image has no pixels (" + w + "x" + h + ")");
                }
                if (w * h > limits.maxPixels()) {
                    throw new InvalidInputException(Reason.IMAGE_TOO_LARGE, "image is " + w + "x" + h + " pixels, limit "
                            + limits.maxPixels());
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // ImageIO plug-ins throw assorted runtime exceptions on corrupt data
            throw new InvalidInputException(Reason.UNDECODABLE_IMAGE, "cannot decode image: " + e);
        }
    }

    private BufferedImage resize(BufferedImage src) {
        BufferedImage cur = src;
        int w = cur.getWidth();
        int h = cur.getHeight();
        while (w >= 2 * side * 2 || h >= 2 * side * 2) {
            w = Math.max(side, w / 2);
            h = Math.max(side, h / 2);
            cur = draw(cur, w, h);
        }
        return draw(cur, side, side);
    }

    private static BufferedImage draw(BufferedImage src, int w, int h) {
        BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        try {
            g.setColor(Color.BLACK);
            g.fillRect(0, 0, w, h);
            if (src.getWidth() == w && src.getHeight() == h) {
                g.drawImage(src, 0, 0, null);
            } else {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
                g.drawImage(src, 0, 0, w, h, null);
            }
        } finally {
            g.dispose();
        }
        return dst;
    }

    private static int[] toRgb(BufferedImage img) {
        int[] argb = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        for (int i = 0; i < argb.length; i++) {
            argb[i] &= 0xFFFFFF;
        }
        return argb;
    }
}
