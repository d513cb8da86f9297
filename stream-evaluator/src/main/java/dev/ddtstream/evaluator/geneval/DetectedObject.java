package dev.ddtstream.evaluator.geneval;

/**
 * One object a detector found.
 *
 * @param cx centre x in pixels
 * @param cy centre y in pixels
 */
public record DetectedObject(String shape, String color, String size, double cx, double cy) {
}
