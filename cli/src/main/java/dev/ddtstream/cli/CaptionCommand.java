package dev.ddtstream.cli;

import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.events.CaptionResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ddt caption IMAGE [--question Q]}. */
@Command(name = "caption", mixinStandardHelpOptions = true, description = "Caption an image, or answer a question about it, through a running stack.")
final class CaptionCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "The image (PNG, JPEG, BMP, GIF).")
    Path image;

    @Option(names = {"-q", "--question"}, description = "e.g. \"how many circles\"; none = describe the image.")
    String question;

    @Mixin
    RequestSettings settings;

    @Mixin
    Connection connection;

    @Override
    public Integer call() throws Exception {
        byte[] bytes = Files.readAllBytes(image);
        try (DdtClient client = DdtClient.connect(connection.properties())) {
            long t0 = System.nanoTime();
            CaptionResult r = client.caption(bytes, question, settings.options()).get(settings.timeoutSeconds, TimeUnit.SECONDS);
            System.out.println(r.getText());
            System.err.printf(Locale.ROOT, "request %s answered in %.0f ms%n", r.getRequestId(), (System.nanoTime() - t0) / 1e6);
            return 0;
        }
    }
}
