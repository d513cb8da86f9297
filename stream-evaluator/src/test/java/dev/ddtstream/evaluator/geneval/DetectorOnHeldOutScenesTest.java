package dev.ddtstream.evaluator.geneval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.bundle.RgbImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The detector's ceiling: on the bundle's held-out ground-truth renders (EDIT sources and
 * CAPTION images, with their true objects), how often it finds exactly the true objects.
 */
class DetectorOnHeldOutScenesTest {

    @Test
    void findsTheTrueObjectsOnGroundTruthRenders() throws Exception {
        Path bundle = BundleLocator.committed().orElseThrow();
        JsonNode samples = new ObjectMapper().readTree(bundle.resolve("eval/heldout.json").toFile()).get("samples");
        byte[] images = Files.readAllBytes(bundle.resolve("eval/heldout_images.u8"));
        int side = ManifestReader.read(bundle).imageSize();
        Detector detector = new SyntheticWorldDetector(HandMadeScene.WORLD);
        int scenes = 0;
        int exact = 0;
        int objects = 0;
        int objectsFound = 0;
        for (JsonNode s : samples) {
            if (!s.has("image_index")) {
                continue;
            }
            List<String> truth = new ArrayList<>();
            s.get("objects").forEach(o -> truth.add(o.get("shape").asText() + "/" + o.get("color").asText() + "/" + o.get("size").asText()));
            List<String> seen = new ArrayList<>(detector.detect(RgbImages.image(images, s.get("image_index").asInt(), side)).stream()
                    .map(o -> o.shape() + "/" + o.color() + "/" + o.size()).toList());
            scenes++;
            objects += truth.size();
            List<String> left = new ArrayList<>(seen);
            for (String t : truth) {
                if (left.remove(t)) {
                    objectsFound++;
                }
            }
            truth.sort(null);
            seen.sort(null);
            if (truth.equals(seen)) {
                exact++;
            }
        }
        double sceneAccuracy = (double) exact / scenes;
        double objectRecall = (double) objectsFound / objects;
        System.out.printf("DETECTOR held-out ground truth: %d scenes, exact %.3f, object recall %.3f%n", scenes, sceneAccuracy, objectRecall);
        assertTrue(scenes >= 500, "held-out scenes with images: " + scenes);
        assertTrue(sceneAccuracy >= 0.85, "exact scenes " + sceneAccuracy);
        assertTrue(objectRecall >= 0.9, "object recall " + objectRecall);
    }
}
