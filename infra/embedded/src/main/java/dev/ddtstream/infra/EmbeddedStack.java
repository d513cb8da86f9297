package dev.ddtstream.infra;

import dev.ddtstream.infra.flink.LocalFlinkCluster;
import dev.ddtstream.infra.kafka.EmbeddedKafkaBroker;
import dev.ddtstream.infra.registry.SchemaRegistryProcess;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the system needs, on this machine, with nothing configured: a real Kafka broker, a
 * real schema registry and, when asked for, Flink's local runtime. All on 127.0.0.1.
 *
 * <p>The registry is a separate JVM and starts while the broker starts; closing stops all three
 * in reverse order.
 */
public final class EmbeddedStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedStack.class);

    private final EmbeddedKafkaBroker broker;
    private final SchemaRegistryProcess registry;
    private final LocalFlinkCluster flink;

    private EmbeddedStack(EmbeddedKafkaBroker broker, SchemaRegistryProcess registry, LocalFlinkCluster flink) {
        this.broker = broker;
        this.registry = registry;
        this.flink = flink;
    }

    /**
     * Starts the broker and the registry, and Flink when {@code flinkSlots > 0}.
     *
     * @param flinkSlots task slots of the local Flink cluster; 0 starts no Flink
     */
    public static EmbeddedStack start(int flinkSlots) throws Exception {
        CompletableFuture<SchemaRegistryProcess> registry = CompletableFuture.supplyAsync(() -> {
            try {
                return SchemaRegistryProcess.start(SchemaRegistryProcess.locateJar());
            } catch (Exception e) {
                throw new IllegalStateException("schema registry did not start: " + e.getMessage(), e);
            }
        });
        EmbeddedKafkaBroker broker = null;
        LocalFlinkCluster flink = null;
        try {
            broker = EmbeddedKafkaBroker.start();
            flink = flinkSlots > 0 ? LocalFlinkCluster.start(flinkSlots) : null;
            return new EmbeddedStack(broker, registry.join(), flink);
        } catch (Exception | Error e) {
            registry.thenAccept(SchemaRegistryProcess::close);
            closeQuietly(flink);
            closeQuietly(broker);
            throw e;
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** The registry's Confluent-compatible base URL. */
    public String schemaRegistryUrl() {
        return registry.url();
    }

    /** The local Flink cluster; throws if the stack was started without one. */
    public LocalFlinkCluster flink() {
        if (flink == null) {
            throw new IllegalStateException("this stack was started without Flink");
        }
        return flink;
    }

    /** Start-up wall times of the broker, the registry and Flink, for reports. */
    public String startupSummary() {
        return String.format("broker %d ms, registry %d ms, flink %s", broker.startupTime().toMillis(),
                registry.startupTime().toMillis(),
                flink == null ? "not started" : flink.startupTime().toMillis() + " ms");
    }

    @Override
    public void close() {
        closeQuietly(flink);
        registry.close();
        broker.close();
        log.info("embedded stack stopped");
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("closing {} failed: {}", closeable.getClass().getSimpleName(), e.toString());
        }
    }
}
