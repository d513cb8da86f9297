package dev.ddtstream.evaluator.geneval;

import dev.ddtstream.bundle.SyntheticWorld;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The synthetic world's detector (the scenes of {@code models/ddt/world.py}, described by the
 * bundle's {@code world} section): objects are connected regions that differ from the dark
 * background; colour is the nearest palette colour of the region's strongest pixels; shape comes
 * from the soft coverage (a triangle keeps about a quarter of its area in the upper half of its
 * box, a square fills its box, a circle fills about pi/4 of it); size from the area the shape
 * implies for its half-extent, against the world's small and large half-extents.
 */
public final class SyntheticWorldDetector implements Detector {

    private static final long serialVersionUID = 1L;
    private static final int FOREGROUND = 60;

    private final int[] background;
    private final String[] colorNames;
    private final int[][] palette;
    private final double sizeThreshold;

    public SyntheticWorldDetector(SyntheticWorld world) {
        this.background = world.background();
        this.colorNames = world.palette().keySet().toArray(String[]::new);
        this.palette = world.palette().values().toArray(int[][]::new);
        this.sizeThreshold = (world.halfExtent("small") + world.halfExtent("large")) / 2;
    }

    @Override
    public List<DetectedObject> detect(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[][] rgb = new int[h * w][];
        int[] diff = new int[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = img.getRGB(x, y);
                int[] p = {(c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF};
                rgb[y * w + x] = p;
                diff[y * w + x] = Math.max(Math.abs(p[0] - background[0]), Math.max(Math.abs(p[1] - background[1]), Math.abs(p[2] - background[2])));
            }
        }
        boolean[] seen = new boolean[h * w];
        int minPixels = Math.max(4, (int) (0.006 * w * h));
        List<DetectedObject> found = new ArrayList<>();
        for (int start = 0; start < h * w; start++) {
            if (seen[start] || diff[start] <= FOREGROUND) {
                continue;
            }
            List<Integer> region = flood(start, w, h, diff, seen);
            if (region.size() >= minPixels) {
                found.add(describe(region, w, h, rgb, diff));
            }
        }
        return found;
    }

    private static List<Integer> flood(int start, int w, int h, int[] diff, boolean[] seen) {
        List<Integer> region = new ArrayList<>();
        ArrayList<Integer> stack = new ArrayList<>(List.of(start));
        seen[start] = true;
        while (!stack.isEmpty()) {
            int i = stack.remove(stack.size() - 1);
            region.add(i);
            int x = i % w;
            int y = i / w;
            int[][] next = {{x + 1, y}, {x - 1, y}, {x, y + 1}, {x, y - 1}};
            for (int[] n : next) {
                if (n[0] >= 0 && n[0] < w && n[1] >= 0 && n[1] < h) {
                    int j = n[1] * w + n[0];
                    if (!seen[j] && diff[j] > FOREGROUND) {
                        seen[j] = true;
                        stack.add(j);
                    }
                }
            }
        }
        return region;
    }

    private DetectedObject describe(List<Integer> region, int w, int h, int[][] rgb, int[] diff) {
        int strongest = region.stream().mapToInt(i -> diff[i]).max().orElse(0);
        double[] mean = new double[3];
        int n = 0;
        for (int i : region) {
            if (diff[i] > 0.7 * strongest) {
                for (int c = 0; c < 3; c++) {
                    mean[c] += rgb[i][c];
                }
                n++;
            }
        }
        int color = 0;
        double best = Double.MAX_VALUE;
        for (int k = 0; k < palette.length; k++) {
            double d = 0;
            for (int c = 0; c < 3; c++) {
                double e = mean[c] / n - palette[k][c];
                d += e * e;
            }
            if (d < best) {
                best = d;
                color = k;
            }
        }
        double ref = 0;
        for (int c = 0; c < 3; c++) {
            ref = Math.max(ref, Math.abs(palette[color][c] - background[c]));
        }
        // soft coverage over the region grown by one pixel (the anti-aliased rim)
        Set<Integer> grown = new HashSet<>(region);
        for (int i : region) {
            int x = i % w;
            int y = i / w;
            if (x > 0) grown.add(i - 1);
            if (x < w - 1) grown.add(i + 1);
            if (y > 0) grown.add(i - w);
            if (y < h - 1) grown.add(i + w);
        }
        double area = 0;
        double x0 = Double.MAX_VALUE, y0 = Double.MAX_VALUE, x1 = -1, y1 = -1;
        for (int i : grown) {
            double a = Math.min(1, diff[i] / Math.max(1, ref));
            area += a;
            if (a >= 0.5) {
                x0 = Math.min(x0, i % w);
                x1 = Math.max(x1, i % w + 1);
                y0 = Math.min(y0, i / w);
                y1 = Math.max(y1, i / w + 1);
            }
        }
        if (x1 < 0) { // only a faint rim: fall back to the region's box
            for (int i : region) {
                x0 = Math.min(x0, i % w);
                x1 = Math.max(x1, i % w + 1);
                y0 = Math.min(y0, i / w);
                y1 = Math.max(y1, i / w + 1);
            }
        }
        double midY = (y0 + y1) / 2;
        double upper = 0;
        for (int i : grown) {
            double a = Math.min(1, diff[i] / Math.max(1, ref));
            if (i / w + 0.5 < midY) {
                upper += a;
            }
        }
        double fill = area / ((x1 - x0) * (y1 - y0));
        String shape = upper / area < 0.38 ? "triangle" : fill > 0.86 ? "square" : "circle";
        double halfExtent = switch (shape) {
            case "circle" -> Math.sqrt(area / Math.PI);
            case "square" -> Math.sqrt(area) / (2 * 0.88);
            default -> Math.sqrt(area / 2);
        };
        String size = halfExtent / w < sizeThreshold ? "small" : "large";
        return new DetectedObject(shape, colorNames[color], size, x0, y0, x1, y1, area);
    }
}
