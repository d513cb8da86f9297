package dev.ddtstream.bundle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the model bundle directory: an explicit path, else the system property
 * {@value #PROPERTY}, else the environment variable {@value #ENV}, else the committed bundle
 * {@value #COMMITTED} found by walking up from {@code user.dir}.
 */
public final class BundleLocator {

    public static final String PROPERTY = "ddt.bundle";
    public static final String ENV = "DDT_BUNDLE";
    public static final String COMMITTED = "models/bundles/ddt-tiny-32";

    private BundleLocator() {
    }

    /** The bundle directory, or empty when none is configured or committed. */
    public static Optional<Path> locate(String explicitPath) {
        for (String candidate : new String[] {explicitPath, System.getProperty(PROPERTY), System.getenv(ENV)}) {
            if (candidate != null && !candidate.isBlank()) {
                // a configured path is taken as given: loading then says what is wrong with it
                return Optional.of(Path.of(candidate).toAbsolutePath().normalize());
            }
        }
        return committed();
    }

    public static Optional<Path> locate() {
        return locate(null);
    }

    /** The committed bundle, searched from {@code user.dir} upwards. */
    public static Optional<Path> committed() {
        for (Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            Path dir = p.resolve(COMMITTED);
            if (Files.isRegularFile(dir.resolve(ManifestReader.FILE_NAME))) {
                return Optional.of(dir.normalize());
            }
        }
        return Optional.empty();
    }
}
