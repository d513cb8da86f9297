package dev.ddtstream.cli;

import dev.ddtstream.events.ImageResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.kafka.common.utils.Utils;

/** How the request commands report an image answer. */
final class Answers {

    private Answers() {
    }

    static int image(ImageResult r, Path out, long startNanos) throws IOException {
        byte[] png = Utils.toArray(r.getPng());
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        Files.write(out, png);
        System.out.printf(Locale.ROOT, "%s: %dx%d image written to %s in %.0f ms (codes %s)%n", r.getRequestId(), r.getWidth(),
                r.getHeight(), out, (System.nanoTime() - startNanos) / 1e6, r.getVisualCodes());
        return 0;
    }
}
