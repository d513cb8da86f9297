package dev.ddtstream.cli;

import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.events.TokenResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ddt tokenize IMAGE...}: each image's DDT tokens, one line per image ({@code file<TAB>codes}). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Turn images into their DDT tokens (V_1..V_T) through a running stack; one line per image.")
final class TokenizeCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", description = "Images (PNG, JPEG, BMP, GIF).")
    List<Path> images;

    @Mixin
    RequestSettings settings;

    @Mixin
    Connection connection;

    @Override
    public Integer call() throws Exception {
        try (DdtClient client = DdtClient.connect(connection.properties())) {
            List<CompletableFuture<TokenResult>> answers = new ArrayList<>();
            for (Path image : images) {
                answers.add(client.tokenize(Files.readAllBytes(image), settings.options()));
            }
            for (int i = 0; i < images.size(); i++) {
                TokenResult r = answers.get(i).get(settings.timeoutSeconds, TimeUnit.SECONDS);
                System.out.println(images.get(i) + "\t" + r.getCodes());
            }
        }
        return 0;
    }
}
