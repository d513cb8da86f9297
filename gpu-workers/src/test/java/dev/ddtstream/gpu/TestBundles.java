package dev.ddtstream.gpu;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.runtime.RuntimeConfig;
import dev.ddtstream.gpu.runtime.SessionFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bundles golden tests run against: the configured one ({@code -Dddt.bundle} /
 * {@code DDT_BUNDLE}) and the committed {@code models/bundles/ddt-tiny-32} when present.
 * Loaded once per JVM with one ONNX Runtime thread, since tests share a small machine.
 */
public final class TestBundles {

    private static final Map<Path, ModelBundle> LOADED = new ConcurrentHashMap<>();
    private static final SessionFactory FACTORY = new SessionFactory(RuntimeConfig.singleThreadedCpu());

    private TestBundles() {
    }

    /** Directories of every available bundle; skips the calling test when there is none. */
    public static List<Path> dirs() {
        Set<Path> dirs = new LinkedHashSet<>();
        BundleLocator.locate().ifPresent(dirs::add);
        BundleLocator.committed().ifPresent(dirs::add);
        assumeFalse(dirs.isEmpty(), "no model bundle found: set -Dddt.bundle=DIR or DDT_BUNDLE=DIR, or commit "
                + BundleLocator.COMMITTED + "/manifest.json; skipping bundle tests");
        return new ArrayList<>(dirs);
    }

    /** Every available bundle, loaded; skips the calling test when there is none. */
    public static List<ModelBundle> all() {
        List<ModelBundle> out = new ArrayList<>();
        for (Path d : dirs()) {
            out.add(LOADED.computeIfAbsent(d, p -> ModelBundle.load(p, FACTORY)));
        }
        return out;
    }

    public static SessionFactory factory() {
        return FACTORY;
    }

    /** Prints a measured golden difference so the build log records it. */
    public static void report(ModelBundle b, String what, double maxAbsDiff) {
        System.out.printf("GOLDEN %s %s max_abs_diff=%.3e%n", b.directory(), what, maxAbsDiff);
    }
}
