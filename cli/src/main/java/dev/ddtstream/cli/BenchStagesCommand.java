package dev.ddtstream.cli;

import dev.ddtstream.cli.bench.StageBenchmark;
import dev.ddtstream.gpu.bundle.ModelBundle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ddt bench stages}: the three engines in-process, by batch size; table on stdout, JSON to a file. */
@Command(name = "stages", mixinStandardHelpOptions = true,
        description = "Per-stage latency and throughput at batch sizes 1-32, KV cache against recompute, time outside ONNX Runtime.")
final class BenchStagesCommand implements Callable<Integer> {

    @Mixin
    BundleOptions bundle;

    @Option(names = "--batches", split = ",", defaultValue = "1,2,4,8,16,32", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--seconds", defaultValue = "1.0", description = "Least time measured per point (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--json", defaultValue = "target/bench/stages.json", description = "Where the JSON report goes (default: ${DEFAULT-VALUE}).")
    Path json;

    @Override
    public Integer call() throws Exception {
        Path dir = bundle.directory();
        try (ModelBundle b = bundle.load()) {
            System.out.printf(Locale.ROOT, "Benchmarking %s on %s, at least %.1f s per point...%n", dir.getFileName(), b.sessionFactory().device(), seconds);
            StageBenchmark.Report report = new StageBenchmark(b, Duration.ofMillis((long) (seconds * 1000)), System.out).run(batches);
            System.out.println();
            System.out.print(StageBenchmark.table(report));
            if (batches.contains(1) && batches.contains(16)) {
                System.out.printf(Locale.ROOT, "Batching speed-up at 16 over 1 (items/s): encoder %.1fx, llama %.1fx, mmdit %.1fx%n",
                        report.batchingSpeedup("encoder", 16), report.batchingSpeedup("llama", 16), report.batchingSpeedup("mmdit", 16));
            }
            StageBenchmark.writeJson(report, json);
            System.out.println("JSON report: " + json.toAbsolutePath());
        }
        return 0;
    }
}
