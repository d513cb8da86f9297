package dev.ddtstream.cli;

import dev.ddtstream.cli.cluster.ClusterLayout;
import dev.ddtstream.cli.cluster.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ddt cluster up | status | down}: the whole system as separate processes on this machine. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "The whole system as separate processes on 127.0.0.1: three brokers, the registry, Flink, the GPU workers, "
                + "the orchestrators and the dashboard.",
        subcommands = {ClusterCommand.Up.class, ClusterCommand.Status.class, ClusterCommand.Down.class})
final class ClusterCommand {

    /** The options every subcommand takes. */
    static class Where {
        @Option(names = "--dir", defaultValue = "target/cluster", description = "The run folder: data, configuration, logs, pids (default: ${DEFAULT-VALUE}).")
        Path dir;

        @Option(names = "--base-port", description = "The ports of the cluster start here (default: the run folder's, "
                + "else " + ClusterLayout.DEFAULT_BASE + ").")
        Integer basePort;

        LocalCluster cluster() throws IOException {
            return new LocalCluster(ClusterLayout.of(dir, basePort), Path.of("config"));
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start every process that is not running (after a crash: what died, on its data); wait until each is ready.")
    static final class Up extends Where implements Callable<Integer> {
        @Option(names = "--secure", description = "A new cluster with SASL_SSL (a SCRAM user per service), ACLs, TLS between "
                + "controllers and basic auth at the registry; a run folder set up so stays so.")
        boolean secure;

        @Override
        public Integer call() throws Exception {
            LocalCluster cluster = cluster();
            if (secure) {
                cluster.secure();
            }
            cluster.up(System.out);
            Connection.remember(cluster.clientProperties("client"));
            ClusterLayout l = cluster.layout();
            System.out.printf("%nKafka     %s%nRegistry  %s%nFlink     %s%nDashboard http://127.0.0.1:%d/%n"
                    + "Requests  ./ddt generate \"two red circles\" -o out.png   (or any request command; ./ddt geneval)%n"
                    + "Stop      ./ddt cluster down%n", l.bootstrapServers(), l.registryUrl(), l.flinkRest(), l.dashboardPort());
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Each process: pid, running or dead, and its probes.")
    static final class Status extends Where implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            cluster().status().forEach(System.out::println);
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop what up started (SIGTERM, then SIGKILL after 30 s); data stays.")
    static final class Down extends Where implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            LocalCluster cluster = cluster();
            cluster.down(System.out);
            Path serve = Path.of(Connection.SERVE_FILE);
            if (Files.exists(serve) && Files.readString(serve).contains(cluster.layout().bootstrapServers())) {
                Files.delete(serve);
            }
            return 0;
        }
    }
}
