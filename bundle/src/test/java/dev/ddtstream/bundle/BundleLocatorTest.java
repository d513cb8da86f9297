package dev.ddtstream.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleLocatorTest {

    @TempDir
    Path tmp;

    @Test
    void explicitPathWins() {
        assertEquals(Optional.of(tmp.resolve("x").toAbsolutePath()), BundleLocator.locate(tmp.resolve("x").toString()));
    }

    @Test
    void systemPropertyComesNext() {
        String old = System.getProperty(BundleLocator.PROPERTY);
        try {
            System.setProperty(BundleLocator.PROPERTY, tmp.toString());
            assertEquals(Optional.of(tmp.toAbsolutePath()), BundleLocator.locate());
        } finally {
            restore(BundleLocator.PROPERTY, old);
        }
    }

    @Test
    void committedBundleIsFoundWalkingUpFromUserDir() throws IOException {
        Path bundle = Files.createDirectories(tmp.resolve(BundleLocator.COMMITTED));
        Path deep = Files.createDirectories(tmp.resolve("a/b/c"));
        String old = System.getProperty("user.dir");
        try {
            System.setProperty("user.dir", deep.toString());
            assertEquals(Optional.empty(), BundleLocator.committed(), "no manifest yet");
            Files.writeString(bundle.resolve("manifest.json"), "{}");
            assertEquals(Optional.of(bundle.toAbsolutePath().normalize()), BundleLocator.committed());
        } finally {
            restore("user.dir", old);
        }
    }

    private static void restore(String key, String old) {
        if (old == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, old);
        }
    }
}
