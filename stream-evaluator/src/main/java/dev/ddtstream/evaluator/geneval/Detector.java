package dev.ddtstream.evaluator.geneval;

import java.awt.image.BufferedImage;
import java.io.Serializable;
import java.util.List;

/**
 * Finds the objects in an image. The synthetic world's detector is the default; for real images a
 * detector backed by an ONNX object-detection model (its labels mapped to shape/colour words)
 * implements the same interface, and the checks do not change. Implementations are thread-safe.
 */
public interface Detector extends Serializable {

    List<DetectedObject> detect(BufferedImage image);
}
