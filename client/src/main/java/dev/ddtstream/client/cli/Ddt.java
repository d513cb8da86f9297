package dev.ddtstream.client.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ddt} command line. */
@Command(name = "ddt", mixinStandardHelpOptions = true, version = "ddt-stream 0.1.0",
        description = "Unified multimodal generation with DDT tokens, served through Kafka.",
        subcommands = {DemoCommand.class, BenchCommand.class})
public final class Ddt {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Ddt()).execute(args));
    }
}
