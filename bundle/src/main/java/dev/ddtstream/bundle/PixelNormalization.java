package dev.ddtstream.bundle;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Affine pixel normalisation {@code x = pixel / divisor - offset}, computed in float32 as the
 * reference does, and its inverse {@code pixel = clamp(rint((x + offset) * divisor), 0, 255)}.
 */
public record PixelNormalization(float divisor, float offset) {

    public float normalize(int pixel) {
        return pixel / divisor - offset;
    }

    public int denormalize(float x) {
        // rint = round half to even, as torch.round does
        long p = (long) Math.rint((x + offset) * divisor);
        return (int) Math.max(0, Math.min(255, p));
    }

    /** Parses the manifest's text {@code "x = pixel/127.5 - 1 ..."}; null if it has another form. */
    static PixelNormalization parse(String text) {
        if (text == null) {
            return null;
        }
        String s = text.replace(" ", "");
        Matcher m = Pattern
                .compile("^x=pixel/([0-9.]+)-([0-9.]+)(\\(.*)?$").matcher(s);
        if (!m.matches()) {
            return null;
        }
        try {
            return new PixelNormalization(Float.parseFloat(m.group(1)), Float.parseFloat(m.group(2)));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
