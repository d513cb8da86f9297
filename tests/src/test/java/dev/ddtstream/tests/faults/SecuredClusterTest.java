package dev.ddtstream.tests.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.cli.cluster.ClusterLayout;
import dev.ddtstream.cli.cluster.LocalCluster;
import dev.ddtstream.cli.faults.DrillResult;
import dev.ddtstream.cli.faults.Fault;
import dev.ddtstream.cli.faults.FaultDrill;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault suite: the whole system as separate processes ({@link LocalCluster}: three brokers,
 * the registry, a Flink session cluster, two LLaMA worker processes, two generators, ...), a
 * steady GENERATE load, and one fault at a time, each struck process started again (or resumed)
 * as a supervisor would. Each fault must leave every request with exactly one committed answer,
 * every job served by one committed batch per stage, and every image evaluated once. How long
 * serving stalled is printed, not asserted: {@code ddt bench faults} measures it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultSuiteTest {

    private static final int BASE_PORT = 23000;

    private LocalCluster cluster;
    private FaultDrill drill;
    private final List<DrillResult> results = new ArrayList<>();
    private final String run = "fault-suite-" + Long.toString(System.currentTimeMillis(), 36);

    @BeforeAll
    void startCluster() throws Exception {
        Path dir = Path.of("target/fault-suite");
        deleteTree(dir);
        cluster = new LocalCluster(new ClusterLayout(dir, BASE_PORT), Path.of("../config"));
        cluster.up(System.out);
        Path bundle = BundleLocator.locate().orElseThrow();
        drill = new FaultDrill(cluster, bundle, ManifestReader.read(bundle).imageSize(), System.out);
    }

    @AfterAll
    void stopCluster() throws IOException {
        if (cluster != null) {
            cluster.down(System.out);
        }
        System.out.print(DrillResult.table(results));
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void underLoadNothingIsLostOrDoubled(Fault fault) throws Exception {
        DrillResult r = drill.run(fault, FaultDrill.Load.brief(), run);
        results.add(r);
        assertEquals(r.requests(), r.answered(), "every request answered within the bound");
        assertEquals(0, r.failed(), "no request failed");
        assertEquals(0, r.lost(), "requests without a committed answer");
        assertEquals(0, r.duplicated(), "requests with more than one committed answer");
        assertEquals(0, r.servedTwice(), "jobs in more than one committed batch of a stage");
        assertEquals(r.imaged(), r.evaluated(), "images without exactly one committed evaluation");
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
