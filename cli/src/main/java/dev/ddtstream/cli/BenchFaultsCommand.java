package dev.ddtstream.cli;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.cli.cluster.ClusterLayout;
import dev.ddtstream.cli.cluster.LocalCluster;
import dev.ddtstream.cli.faults.DrillResult;
import dev.ddtstream.cli.faults.Fault;
import dev.ddtstream.cli.faults.FaultDrill;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ddt bench faults}: the fault suite's scenarios, longer, on a cluster of its own (its own
 * run folder and ports, so a {@code ddt cluster} of yours is left alone): each fault under a steady
 * GENERATE load, then the exactly-once audit and the stall, as one table.
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = "Faults under load on a multi-process cluster of its own: exactly-once audit and stall per fault.")
final class BenchFaultsCommand implements Callable<Integer> {

    @Option(names = "--dir", defaultValue = "target/cluster-faults", description = "The cluster's run folder (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--base-port", defaultValue = "21000", description = "The cluster's first port (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--rate", defaultValue = "1.0", description = "GENERATE requests per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--before", defaultValue = "20", description = "Seconds of load before the fault (default: ${DEFAULT-VALUE}).")
    int before;

    @Option(names = "--after", defaultValue = "60", description = "Seconds of load after it (default: ${DEFAULT-VALUE}).")
    int after;

    @Option(names = "--restart-after", defaultValue = "3",
            description = "Seconds until a killed process is started again, as its supervisor would (default: ${DEFAULT-VALUE}).")
    int restartAfter;

    @Option(names = "--stop-for", defaultValue = "15", description = "Seconds a SIGSTOPped worker stays stopped (default: ${DEFAULT-VALUE}).")
    int stopFor;

    @Option(names = "--fault", description = "Only these faults (default: all): ${COMPLETION-CANDIDATES}.")
    List<Fault> faults = List.of(Fault.values());

    @Option(names = "--keep", description = "Leave the cluster running afterwards.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path bundle = BundleLocator.locate().orElseThrow(() -> new IllegalStateException("no model bundle: set DDT_BUNDLE"));
        LocalCluster cluster = new LocalCluster(new ClusterLayout(dir, basePort), Path.of("config"));
        FaultDrill.Load load = new FaultDrill.Load(rate, Duration.ofSeconds(before), Duration.ofSeconds(after),
                Duration.ofSeconds(restartAfter), Duration.ofSeconds(stopFor), Duration.ofMinutes(5));
        List<DrillResult> results = new ArrayList<>();
        try {
            cluster.up(out);
            FaultDrill drill = new FaultDrill(cluster, bundle, ManifestReader.read(bundle).imageSize(), out);
            String run = "faults-" + Long.toString(System.currentTimeMillis(), 36);
            for (Fault f : faults) {
                results.add(drill.run(f, load, run));
            }
        } finally {
            if (!keep) {
                cluster.down(out);
            }
        }
        out.printf("%nLoad: %.1f GENERATE requests/s, %d s before the fault and %d s after; a killed process restarted after %d s, "
                + "a stopped one resumed after %d s%n%n", rate, before, after, restartAfter, stopFor);
        out.print(DrillResult.table(results));
        return results.stream().allMatch(DrillResult::exactlyOnce) ? 0 : 1;
    }
}
