package dev.ddtstream.cli;

import picocli.CommandLine.Command;

/** {@code ddt bench}: the benchmarks. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchStagesCommand.class, BenchPipelineCommand.class, BenchFaultsCommand.class})
final class BenchCommand {
}
