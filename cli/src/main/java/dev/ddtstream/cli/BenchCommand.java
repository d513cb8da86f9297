package dev.ddtstream.cli;

import picocli.CommandLine.Command;

/** {@code ddt bench}: the benchmarks. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchStagesCommand.class, BenchScaleCommand.class, BenchPipelineCommand.class, BenchLoadCommand.class, BenchSchedulersCommand.class, BenchFaultsCommand.class})
final class BenchCommand {
}
