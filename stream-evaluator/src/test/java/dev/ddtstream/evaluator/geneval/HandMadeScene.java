package dev.ddtstream.evaluator.geneval;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.bundle.SyntheticWorld;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** Scenes drawn by hand the way models/ddt/world.py draws them: at 4x, then box-downsampled. */
public final class HandMadeScene {

    /** The committed bundle's world: its palette, sizes and background. */
    public static final SyntheticWorld WORLD = ManifestReader.read(BundleLocator.committed().orElseThrow(() ->
            new IllegalStateException("no committed bundle above " + System.getProperty("user.dir")))).requireWorld();

    private static final int K = 4;
    private final int side;
    private final List<Object[]> objects = new ArrayList<>();

    public HandMadeScene(int side) {
        this.side = side;
    }

    public HandMadeScene add(String shape, String color, String size, double cx, double cy) {
        objects.add(new Object[] {shape, color, size, cx, cy});
        return this;
    }

    public BufferedImage render() {
        BufferedImage big = new BufferedImage(side * K, side * K, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = big.createGraphics();
        int[] bg = WORLD.background();
        g.setColor(new Color(bg[0], bg[1], bg[2]));
        g.fillRect(0, 0, side * K, side * K);
        for (Object[] o : objects) {
            String shape = (String) o[0];
            int[] p = WORLD.palette().get((String) o[1]);
            double h = WORLD.halfExtent((String) o[2]) * side;
            double x0 = ((double) o[3] - h) * K, y0 = ((double) o[4] - h) * K, x1 = ((double) o[3] + h) * K, y1 = ((double) o[4] + h) * K;
            g.setColor(new Color(p[0], p[1], p[2]));
            switch (shape) {
                case "circle" -> g.fill(new Ellipse2D.Double(x0, y0, x1 - x0, y1 - y0));
                case "square" -> {
                    double s = (x1 - x0) * 0.06;
                    g.fill(new Rectangle2D.Double(x0 + s, y0 + s, x1 - x0 - 2 * s, y1 - y0 - 2 * s));
                }
                default -> {
                    Path2D t = new Path2D.Double();
                    t.moveTo((x0 + x1) / 2, y0);
                    t.lineTo(x1, y1);
                    t.lineTo(x0, y1);
                    t.closePath();
                    g.fill(t);
                }
            }
        }
        g.dispose();
        BufferedImage small = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int[] sum = new int[3];
                for (int dy = 0; dy < K; dy++) {
                    for (int dx = 0; dx < K; dx++) {
                        int c = big.getRGB(x * K + dx, y * K + dy);
                        sum[0] += (c >> 16) & 0xFF;
                        sum[1] += (c >> 8) & 0xFF;
                        sum[2] += c & 0xFF;
                    }
                }
                small.setRGB(x, y, (sum[0] / 16) << 16 | (sum[1] / 16) << 8 | (sum[2] / 16));
            }
        }
        return small;
    }
}
