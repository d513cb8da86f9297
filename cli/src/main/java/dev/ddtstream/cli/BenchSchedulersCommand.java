package dev.ddtstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ddtstream.cli.bench.OpenLoopLoad;
import dev.ddtstream.cli.bench.SchedulerLoad;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.llama.DecodeRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ddt bench schedulers}: the LLaMA stage's static and continuous schedulers side by side,
 * in process, under one open-loop arrival stream ({@link SchedulerLoad}).
 */
@Command(name = "schedulers", mixinStandardHelpOptions = true,
        description = "The LLaMA engine under one open-loop Poisson stream of GENERATE / CAPTION requests, scheduled "
                + "statically (each batch decoded to its end) and continuously (joining and leaving at every token): "
                + "answered per second and p50/p95/p99 latency per kind, on any bundle; table on stdout, JSON to a file.")
final class BenchSchedulersCommand implements Callable<Integer> {

    @Mixin
    BundleOptions bundle;

    @Option(names = "--rate", defaultValue = "1", description = "Requests per second, on average (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--seconds", defaultValue = "60", description = "How long requests arrive (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--mix", split = ",", defaultValue = "GENERATE=50,CAPTION=50",
            description = "Shares of each kind (default: ${DEFAULT-VALUE}).")
    Map<RequestKind, Double> mix;

    @Option(names = "--max-jobs", defaultValue = "16", description = "Requests decoded together at most (default: ${DEFAULT-VALUE}).")
    int maxJobs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the arrival schedule (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", defaultValue = "target/bench/schedulers.json", description = "Where the JSON report goes (default: ${DEFAULT-VALUE}).")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (mix.keySet().stream().anyMatch(k -> k != RequestKind.GENERATE && k != RequestKind.CAPTION)) {
            throw new IllegalArgumentException("--mix takes GENERATE and CAPTION shares, got " + mix.keySet());
        }
        List<OpenLoopLoad.Arrival> arrivals = OpenLoopLoad.schedule(rate, seconds, new EnumMap<>(mix), seed);
        try (ModelBundle b = bundle.load()) {
            System.out.printf(Locale.ROOT, "LLaMA of %s (vocabulary %,d, T = %d) on %s: %d requests over %.0f s (%.2f/s, %s), "
                            + "at most %d together%n", b.directory().getFileName(), b.manifest().vocabulary().vocabSize(),
                    b.manifest().tokensPerImage(), b.sessionFactory().device(), arrivals.size(), seconds, rate, mix, maxJobs);
            SchedulerLoad load = new SchedulerLoad(b, System.out);
            List<DecodeRequest> requests = load.requests(arrivals);
            load.warmUp(requests.get(0));
            SchedulerLoad.Run stat = load.runStatic(arrivals, requests, maxJobs);
            SchedulerLoad.Run cont = load.runContinuous(arrivals, requests, maxJobs);
            if (json.getParent() != null) {
                Files.createDirectories(json.getParent());
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), Map.of(
                    "bundle", b.directory().toString(), "rate", rate, "seconds", seconds, "mix", mix, "maxJobs", maxJobs,
                    "runs", List.of(stat, cont)));
            System.out.println("JSON report: " + json.toAbsolutePath());
        }
        return 0;
    }
}
