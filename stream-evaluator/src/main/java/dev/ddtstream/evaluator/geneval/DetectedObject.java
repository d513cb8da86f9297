package dev.ddtstream.evaluator.geneval;

import java.io.Serializable;

/**
 * One object a detector found, with its box {@code [x0, x1) x [y0, y1)} in pixels (y down) and
 * its area in pixels: what ranks instances of a class when a detector has no confidence.
 */
public record DetectedObject(String shape, String color, String size, double x0, double y0, double x1, double y1, double area)
        implements Serializable {

    public double cx() {
        return (x0 + x1) / 2;
    }

    public double cy() {
        return (y0 + y1) / 2;
    }

    public double width() {
        return x1 - x0;
    }

    public double height() {
        return y1 - y0;
    }
}
