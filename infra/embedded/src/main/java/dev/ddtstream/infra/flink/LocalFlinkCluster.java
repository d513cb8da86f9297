package dev.ddtstream.infra.flink;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.BlobServerOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink's real runtime (a {@link MiniCluster}: job manager, task manager, REST endpoint, blob
 * server) in this JVM, with every socket bound to 127.0.0.1.
 *
 * <p>Jobs reach it the way they reach a real cluster: through its REST address, with
 * {@link #environment()}. Pointing the same job at an external cluster is a matter of another
 * host and port.
 */
public final class LocalFlinkCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalFlinkCluster.class);
    private static final String LOOPBACK = "127.0.0.1";

    private final MiniCluster cluster;
    private final URI restAddress;
    private final Duration startupTime;

    private LocalFlinkCluster(MiniCluster cluster, URI restAddress, Duration startupTime) {
        this.cluster = cluster;
        this.restAddress = restAddress;
        this.startupTime = startupTime;
    }

    /**
     * The settings that keep every Flink endpoint on the loopback interface with ports chosen at
     * start. Flink binds the wildcard address unless each bind host is set.
     */
    public static Configuration loopbackConfiguration() {
        Configuration conf = new Configuration();
        conf.set(RestOptions.ADDRESS, LOOPBACK);
        conf.set(RestOptions.BIND_ADDRESS, LOOPBACK);
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(JobManagerOptions.ADDRESS, LOOPBACK);
        conf.set(JobManagerOptions.BIND_HOST, LOOPBACK);
        conf.set(TaskManagerOptions.HOST, LOOPBACK);
        conf.set(TaskManagerOptions.BIND_HOST, LOOPBACK);
        conf.set(BlobServerOptions.PORT, "0");
        return conf;
    }

    /** Starts one task manager with {@code slots} slots. */
    public static LocalFlinkCluster start(int slots) throws Exception {
        return start(slots, new Configuration());
    }

    /** Starts one task manager with {@code slots} slots; {@code overrides} win over the loopback defaults. */
    public static LocalFlinkCluster start(int slots, Configuration overrides) throws Exception {
        long began = System.nanoTime();
        Configuration conf = loopbackConfiguration();
        conf.addAll(overrides);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .setCommonBindAddress(LOOPBACK)
                .build());
        cluster.start();
        URI rest = cluster.getRestAddress().get(30, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        log.info("Flink local cluster started ({} slots, REST {}) in {} ms", slots, rest, took.toMillis());
        return new LocalFlinkCluster(cluster, rest, took);
    }

    /** The REST endpoint, as a client of a real cluster would address it. */
    public URI restAddress() {
        return restAddress;
    }

    /** Wall time from the call to {@code start} until the REST endpoint was up. */
    public Duration startupTime() {
        return startupTime;
    }

    /** An execution environment that submits jobs to this cluster through its REST endpoint. */
    public StreamExecutionEnvironment environment() {
        return environment(new Configuration());
    }

    /**
     * The same with client-side settings added: checkpoint storage, or a checkpoint to restore
     * the job from ({@code execution.state-recovery.path}), which the client puts in the job graph.
     */
    public StreamExecutionEnvironment environment(Configuration settings) {
        Configuration c = loopbackConfiguration();
        c.addAll(settings);
        return StreamExecutionEnvironment.createRemoteEnvironment(restAddress.getHost(), restAddress.getPort(), c);
    }

    @Override
    public void close() throws Exception {
        long began = System.nanoTime();
        cluster.closeAsync().get(60, TimeUnit.SECONDS);
        log.info("Flink local cluster stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }
}
