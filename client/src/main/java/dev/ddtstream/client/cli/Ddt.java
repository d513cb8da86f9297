package dev.ddtstream.client.cli;

import dev.ddtstream.client.api.RequestFailedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ddt} command line. */
@Command(name = "ddt", mixinStandardHelpOptions = true, version = "ddt-stream 0.1.0",
        description = "Unified multimodal generation with DDT tokens, served through Kafka.",
        subcommands = {DemoCommand.class, ServeCommand.class, GenerateCommand.class, EditCommand.class,
                CaptionCommand.class, TokenizeCommand.class, GenEvalCommand.class, BenchCommand.class})
public final class Ddt {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Ddt());
        // a failed request or a bad option is an answer, not a crash: one line, exit code 1
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RequestFailedException || cause instanceof IllegalArgumentException
                    || cause instanceof java.util.concurrent.TimeoutException || cause instanceof java.io.IOException) {
                commandLine.getErr().println("ddt: " + (cause.getMessage() != null ? cause.getMessage() : cause));
                return 1;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }
}
