package dev.ddtstream.evaluator.geneval;

import dev.ddtstream.bundle.SyntheticWorld;
import dev.ddtstream.events.BenchmarkMetadata;
import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SceneObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.apache.kafka.common.utils.Utils;

/**
 * Scores a terminal result that carries benchmark metadata:
 * <ul>
 *   <li>GENERATE with clauses: the detected objects held against them in both scoring modes,
 *       our {@code strict} checks and GenEval's own rules;</li>
 *   <li>EDIT with an expected target: L1 and L2 against it (pixels in [0,1], MagicBrush-style),
 *       and whether the detected objects are the target's (the edited attribute is right);</li>
 *   <li>CAPTION with a reference: whether the text is the reference, and whether it names every
 *       colour and shape of the scene.</li>
 * </ul>
 * Results without metadata (ordinary users' requests) are not scored.
 */
public final class ResultScorer implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Detector detector;
    private final SceneRules strict;
    private final SceneRules geneval;

    public ResultScorer(Detector detector, SceneRules strict, SceneRules geneval) {
        this.detector = detector;
        this.strict = strict;
        this.geneval = geneval;
    }

    /** The synthetic-world detector of {@code world}, our strict checks (margin a tenth of the side) and GenEval's rules. */
    public static ResultScorer forWorld(SyntheticWorld world) {
        return new ResultScorer(new SyntheticWorldDetector(world), StrictChecks.standard(), new GenEvalRules());
    }

    public Optional<EvaluationResult> score(ImageResult r, long nowMs) {
        BenchmarkMetadata m = r.getBenchmark();
        if (m == null) {
            return Optional.empty();
        }
        BufferedImage image = decode(r.getPng());
        EvaluationResult.Builder e = base(r.getRequestId(), r.getKind(), m, r.getCreatedAtMs(), r.getCompletedAtMs(), nowMs);
        if (r.getKind() == RequestKind.GENERATE && !m.getClauses().isEmpty()) {
            List<DetectedObject> objects = detector.detect(image);
            Verdict ours = strict.check(m.getTask(), m.getClauses(), objects, image.getWidth());
            Verdict theirs = geneval.check(m.getTask(), m.getClauses(), objects, image.getWidth());
            return Optional.of(e.setCorrect(ours.correct()).setChecks(new LinkedHashMap<>(ours.checks()))
                    .setGenevalModeCorrect(theirs.correct()).setGenevalModeChecks(new LinkedHashMap<>(theirs.checks())).build());
        }
        if (r.getKind() == RequestKind.EDIT && m.getExpectedImagePng() != null) {
            BufferedImage target = decode(m.getExpectedImagePng());
            double[] l = distances(image, target);
            Map<String, Boolean> checks = new LinkedHashMap<>();
            if (!m.getSceneObjects().isEmpty()) {
                checks.put("objects are the target's", names(detector.detect(image)).equals(truth(m.getSceneObjects())));
            }
            return Optional.of(e.setEditL1(l[0]).setEditL2(l[1]).setChecks(checks)
                    .setCorrect(checks.isEmpty() ? null : checks.values().stream().allMatch(Boolean::booleanValue)).build());
        }
        return Optional.empty();
    }

    public Optional<EvaluationResult> score(CaptionResult r, long nowMs) {
        BenchmarkMetadata m = r.getBenchmark();
        if (m == null || m.getExpectedText() == null) {
            return Optional.empty();
        }
        String text = normal(r.getText());
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("states the reference", text.equals(normal(m.getExpectedText())));
        if (r.getQuestion() == null || r.getQuestion().isBlank()) {
            List<String> words = List.of(text.split(" "));
            checks.put("names every colour", m.getSceneObjects().stream().allMatch(o -> words.contains(o.getColor())));
            checks.put("names every shape", m.getSceneObjects().stream()
                    .allMatch(o -> words.contains(o.getShape()) || words.contains(o.getShape() + "s")));
        }
        return Optional.of(base(r.getRequestId(), RequestKind.CAPTION, m, r.getCreatedAtMs(), r.getCompletedAtMs(), nowMs)
                .setCorrect(checks.get("states the reference")).setChecks(checks).build());
    }

    private static EvaluationResult.Builder base(String id, RequestKind kind, BenchmarkMetadata m, long created, long completed, long now) {
        return EvaluationResult.newBuilder().setRequestId(id).setKind(kind).setSuite(m.getSuite()).setTask(m.getTask())
                .setPromptId(m.getPromptId()).setLatencyMs(completed - created).setResultAtMs(completed).setEvaluatedAtMs(now);
    }

    /** Mean absolute and mean squared difference over every channel, pixels in [0,1]. */
    static double[] distances(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
            throw new IllegalArgumentException("result " + a.getWidth() + "x" + a.getHeight() + " vs target " + b.getWidth() + "x" + b.getHeight());
        }
        double l1 = 0;
        double l2 = 0;
        int n = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 16; shift >= 0; shift -= 8) {
                    double d = (((p >> shift) & 0xFF) - ((q >> shift) & 0xFF)) / 255.0;
                    l1 += Math.abs(d);
                    l2 += d * d;
                    n++;
                }
            }
        }
        return new double[] {l1 / n, l2 / n};
    }

    private static List<String> names(List<DetectedObject> objects) {
        List<String> out = new ArrayList<>(objects.stream().map(o -> o.shape() + "/" + o.color()).toList());
        out.sort(null);
        return out;
    }

    private static List<String> truth(List<SceneObject> objects) {
        List<String> out = new ArrayList<>(objects.stream().map(o -> o.getShape() + "/" + o.getColor()).toList());
        out.sort(null);
        return out;
    }

    private static String normal(String s) {
        return String.join(" ", s.trim().toLowerCase(Locale.ROOT).split("\\s+"));
    }

    private static BufferedImage decode(ByteBuffer png) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(Utils.toArray(png)));
            if (img == null) {
                throw new IllegalArgumentException("not an image");
            }
            return img;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode the result image: " + e.getMessage(), e);
        }
    }
}
