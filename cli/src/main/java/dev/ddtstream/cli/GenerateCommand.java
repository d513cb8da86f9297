package dev.ddtstream.cli;

import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.events.ImageResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ddt generate "PROMPT" -o out.png}. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate an image from a prompt through a running stack.")
final class GenerateCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "The prompt.")
    String prompt;

    @Option(names = {"-o", "--out"}, defaultValue = "out.png", description = "Where the PNG goes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    RequestSettings settings;

    @Mixin
    Connection connection;

    @Override
    public Integer call() throws Exception {
        try (DdtClient client = DdtClient.connect(connection.properties())) {
            long t0 = System.nanoTime();
            ImageResult r = client.generate(prompt, settings.options()).get(settings.timeoutSeconds, TimeUnit.SECONDS);
            return Answers.image(r, out, t0);
        }
    }
}
