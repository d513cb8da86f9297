package dev.ddtstream.cli;

import dev.ddtstream.client.api.RequestFailedException;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code ddt} command line. */
@Command(name = "ddt", mixinStandardHelpOptions = true, version = "ddt-stream 0.1.0",
        description = "Unified multimodal generation with DDT tokens, served through Kafka.",
        subcommands = {DemoCommand.class, ServeCommand.class, GenerateCommand.class, EditCommand.class,
                CaptionCommand.class, TokenizeCommand.class, GenEvalCommand.class, BenchCommand.class, ProvisionCommand.class,
                ClusterCommand.class})
public final class Ddt {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Ddt());
        // a failed request or a bad option is an answer, not a crash: one line, exit code 1
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RequestFailedException || cause instanceof IllegalArgumentException
                    || cause instanceof TimeoutException || cause instanceof IOException) {
                commandLine.getErr().println("ddt: " + (cause.getMessage() != null ? cause.getMessage() : cause));
                return 1;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }
}
