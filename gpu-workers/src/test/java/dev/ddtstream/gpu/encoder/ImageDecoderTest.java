package dev.ddtstream.gpu.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ddtstream.gpu.engine.InputError;
import dev.ddtstream.gpu.engine.InvalidInputException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) {
            throw new IOException("no writer for " + format);
        }
        return out.toByteArray();
    }

    private static BufferedImage filled(int w, int h, int type, Color c) {
        BufferedImage img = new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.defaults(), 32);

    @Test
    void decodesEveryFormatAndResizes() throws Exception {
        Color red = new Color(220, 40, 40);
        for (String fmt : new String[] {"png", "bmp", "gif", "jpeg"}) {
            int[] rgb = decoder.decodeRgb(encode(filled(100, 60, BufferedImage.TYPE_3BYTE_BGR, red), fmt));
            assertEquals(32 * 32, rgb.length, fmt);
            int c = rgb[32 * 16 + 16];
            int tol = fmt.equals("jpeg") || fmt.equals("gif") ? 12 : 0;
            assertEquals(220, c >> 16 & 0xFF, tol, fmt);
            assertEquals(40, c >> 8 & 0xFF, tol, fmt);
            assertEquals(40, c & 0xFF, tol, fmt);
        }
    }

    @Test
    void exactSizeImageKeepsItsPixels() throws Exception {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 32 * 32; i++) {
            img.setRGB(i % 32, i / 32, (int) (i * 2654435761L) & 0xFFFFFF);
        }
        int[] want = img.getRGB(0, 0, 32, 32, null, 0, 32);
        int[] got = decoder.decodeRgb(encode(img, "png"));
        for (int i = 0; i < want.length; i++) {
            want[i] &= 0xFFFFFF;
        }
        Assertions.assertArrayEquals(want, got);
    }

    @Test
    void grayAndTransparentImagesBecomeRgb() throws Exception {
        int[] gray = decoder.decodeRgb(encode(filled(32, 32, BufferedImage.TYPE_BYTE_GRAY, Color.WHITE), "png"));
        assertEquals(0xFFFFFF, gray[0]);
        BufferedImage clear = new BufferedImage(32, 32, BufferedImage.TYPE_INT_ARGB);
        int[] black = decoder.decodeRgb(encode(clear, "png"));
        assertEquals(0, black[0]);
    }

    @Test
    void refusesGarbageEmptyAndOversizedImages() throws Exception {
        assertEquals(InputError.Reason.UNDECODABLE_IMAGE, reason(new byte[] {1, 2, 3, 4, 5}));
        assertEquals(InputError.Reason.UNDECODABLE_IMAGE, reason(new byte[0]));
        assertEquals(InputError.Reason.UNDECODABLE_IMAGE, reason(null));
        byte[] png = encode(filled(64, 64, BufferedImage.TYPE_INT_RGB, Color.BLUE), "png");
        assertEquals(InputError.Reason.UNDECODABLE_IMAGE, reason(Arrays.copyOf(png, png.length / 2)));
        ImageDecoder small = new ImageDecoder(new ImageLimits(1 << 20, 1000), 32);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> small.decodeRgb(png));
        assertEquals(InputError.Reason.IMAGE_TOO_LARGE, e.toError().reason());
        ImageDecoder tiny = new ImageDecoder(new ImageLimits(16, 1000), 32);
        assertEquals(InputError.Reason.IMAGE_TOO_LARGE,
                assertThrows(InvalidInputException.class, () -> tiny.decodeRgb(png)).toError().reason());
    }

    private InputError.Reason reason(byte[] bytes) {
        return assertThrows(InvalidInputException.class, () -> decoder.decodeRgb(bytes)).toError().reason();
    }
}
