package dev.ddtstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.cli.bench.OpenLoopLoad;
import dev.ddtstream.cli.suite.HeldOutSuite;
import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ddt bench load}: an open-loop Poisson stream of held-out requests through the whole
 * pipeline (a running stack, else the embedded one: its serving path alone unless
 * {@code --observers}) at a rate and a request mix, with throughput and latency percentiles per
 * kind; with several {@code --schedulers}, the same arrivals through a fresh embedded pipeline for
 * each, side by side.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "An open-loop Poisson arrival stream of GENERATE / EDIT / CAPTION requests through the pipeline: "
                + "answered per second and p50/p95/p99 latency per kind; table on stdout, JSON to a file.")
final class BenchLoadCommand implements Callable<Integer> {

    @Option(names = "--rate", defaultValue = "4", description = "Requests per second, on average (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--seconds", defaultValue = "30", description = "How long requests arrive (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--mix", split = ",", defaultValue = "GENERATE=50,CAPTION=50",
            description = "Shares of each kind (default: ${DEFAULT-VALUE}; EDIT may be added).")
    Map<RequestKind, Double> mix;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the arrival schedule (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda:N or auto, for an embedded stack (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--schedulers", split = ",", defaultValue = "continuous",
            description = "The GPU stages' schedulers to compare, each on a fresh embedded pipeline under the same arrivals: "
                    + "continuous, static (default: ${DEFAULT-VALUE}; a running stack keeps its own, one run).")
    List<String> schedulers;

    @Option(names = "--suite", description = "A bundle whose held-out scenes supply the requests (default: the served bundle's; "
            + "a random-weight bundle has none, so pass the committed one: the encoder resizes its images).")
    Path suiteBundle;

    @Option(names = "--observers", description = "Embedded stack only: also run the Flink evaluator and the dashboard "
            + "(they score synthetic-world results, so the bundle must describe its world).")
    boolean observers;

    @Option(names = "--json", defaultValue = "target/bench/load.json", description = "Where the JSON report goes (default: ${DEFAULT-VALUE}).")
    Path json;

    @Mixin
    Connection connection;

    @Override
    public Integer call() throws Exception {
        Path dir = BundleLocator.locate().orElseThrow(() -> new IllegalStateException("no model bundle: set DDT_BUNDLE"));
        List<OpenLoopLoad.Arrival> arrivals = OpenLoopLoad.schedule(rate, seconds, new EnumMap<>(mix), seed);
        Path suiteDir = suiteBundle != null ? suiteBundle : dir;
        if (!Files.exists(suiteDir.resolve("eval/heldout.json"))) {
            throw new IllegalArgumentException(suiteDir + " has no held-out suite (eval/heldout.json): pass --suite with a trained bundle, "
                    + "e.g. --suite " + BundleLocator.COMMITTED);
        }
        HeldOutSuite suite = new HeldOutSuite(suiteDir, ManifestReader.read(suiteDir).imageSize());
        Map<RequestKind, List<GenerationRequest>> pools = new EnumMap<>(RequestKind.class);
        for (RequestKind kind : mix.keySet()) {
            pools.put(kind, suite.ofKind(kind, 64, "load"));
        }
        if (schedulers.size() > 1 && connection.running().isPresent()) {
            throw new IllegalArgumentException("--schedulers compares embedded pipelines; a running stack keeps its own scheduler");
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        boolean allAnswered = true;
        for (String scheduler : schedulers) {
            Map<String, String> gpu = Map.of("llama.scheduler", scheduler, "mmdit.scheduler", scheduler);
            Run r = run(arrivals, pools, gpu);
            System.out.printf(Locale.ROOT, "%nOpen-loop load, %s schedulers: %.2f requests/s for %.0f s (all answered after %.1f s)%n",
                    scheduler, rate, seconds, r.wallSeconds());
            System.out.print(OpenLoopLoad.table(r.kinds()));
            runs.add(Map.of("scheduler", scheduler, "wallSeconds", r.wallSeconds(), "kinds", r.kinds()));
            allAnswered &= r.kinds().stream().allMatch(k -> k.failed() == 0);
        }
        if (json.getParent() != null) {
            Files.createDirectories(json.getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(),
                Map.of("rate", rate, "seconds", seconds, "mix", mix, "runs", runs));
        System.out.println("JSON report: " + json.toAbsolutePath());
        return allAnswered ? 0 : 1;
    }

    private record Run(List<OpenLoopLoad.KindSummary> kinds, double wallSeconds) {
    }

    /** The arrivals through one pipeline (embedded with {@code gpu} settings, else the running stack). */
    private Run run(List<OpenLoopLoad.Arrival> arrivals, Map<RequestKind, List<GenerationRequest>> pools, Map<String, String> gpu)
            throws Exception {
        String run = "load-" + Long.toString(System.currentTimeMillis(), 36);
        List<OpenLoopLoad.Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        double wall;
        try (SuiteStack stack = SuiteStack.open(connection, device, gpu, observers, System.out);
             DdtClient client = DdtClient.connect(stack.clientProperties)) {
            // one request of each kind first: the pools' first batches pay their warm-up
            List<CompletableFuture<?>> warm = new ArrayList<>();
            pools.forEach((kind, pool) -> warm.add(client.submit(renamed(pool.get(0), run + "-warm-" + kind))));
            CompletableFuture.allOf(warm.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
            System.out.printf(Locale.ROOT, "Sending %d requests over %.0f s (%.2f/s, %s)...%n", arrivals.size(), seconds, rate, mix);
            List<CompletableFuture<?>> answers = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < arrivals.size(); i++) {
                OpenLoopLoad.Arrival a = arrivals.get(i);
                long wait = start + a.atNanos() - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the schedule's own clock: open loop
                }
                List<GenerationRequest> pool = pools.get(a.kind());
                long sent = System.nanoTime();
                answers.add(client.submit(renamed(pool.get(i % pool.size()), run + "-" + i)).handle((r, e) -> {
                    outcomes.add(new OpenLoopLoad.Outcome(a.kind(), (System.nanoTime() - sent) / 1e6, e != null));
                    return null;
                }));
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            wall = (System.nanoTime() - start) / 1e9;
        }
        return new Run(OpenLoopLoad.summarise(outcomes, wall), wall);
    }

    private static GenerationRequest renamed(GenerationRequest r, String id) {
        return GenerationRequest.newBuilder(r).setRequestId(id).setCreatedAtMs(System.currentTimeMillis()).build();
    }
}
