package dev.ddtstream.cli;

import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.events.ImageResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ddt edit IMAGE "INSTRUCTION" -o out.png}. */
@Command(name = "edit", mixinStandardHelpOptions = true, description = "Edit an image by an instruction through a running stack.")
final class EditCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "The source image (PNG, JPEG, BMP, GIF).")
    Path image;

    @Parameters(index = "1", description = "The instruction, e.g. \"make the circle blue\".")
    String instruction;

    @Option(names = {"-o", "--out"}, defaultValue = "out.png", description = "Where the PNG goes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    RequestSettings settings;

    @Mixin
    Connection connection;

    @Override
    public Integer call() throws Exception {
        byte[] source = Files.readAllBytes(image);
        try (DdtClient client = DdtClient.connect(connection.properties())) {
            long t0 = System.nanoTime();
            ImageResult r = client.edit(source, instruction, settings.options()).get(settings.timeoutSeconds, TimeUnit.SECONDS);
            return Answers.image(r, out, t0);
        }
    }
}
