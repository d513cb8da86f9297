package dev.ddtstream.cli;

import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;

/**
 * Where a suite or a benchmark sends its requests: a stack already running ({@code ddt serve},
 * {@code ddt cluster up}, or one named by the connection options), else the embedded pipeline,
 * started here and stopped when the suite is done.
 */
final class SuiteStack implements AutoCloseable {

    final Map<String, Object> clientProperties;
    private final LocalPipeline started;

    private SuiteStack(Map<String, Object> clientProperties, LocalPipeline started) {
        this.clientProperties = clientProperties;
        this.started = started;
    }

    static SuiteStack open(Connection connection, String device, PrintStream out) throws Exception {
        return open(connection, device, Map.of(), out);
    }

    /** @param gpuSettings gpu-workers keys for an embedded pipeline; a running stack keeps its own */
    static SuiteStack open(Connection connection, String device, Map<String, String> gpuSettings, PrintStream out) throws Exception {
        return open(connection, device, gpuSettings, true, out);
    }

    /**
     * A stack for measuring the serving path: an embedded pipeline without the Flink evaluator and
     * the dashboard, which only watch the results; a running stack is used as it is.
     */
    static SuiteStack servingOnly(Connection connection, String device, PrintStream out) throws Exception {
        return open(connection, device, Map.of(), false, out);
    }

    /**
     * @param gpuSettings gpu-workers keys for an embedded pipeline; a running stack keeps its own
     * @param observers   whether an embedded pipeline also runs the Flink evaluator and the dashboard
     */
    static SuiteStack open(Connection connection, String device, Map<String, String> gpuSettings, boolean observers,
                                   PrintStream out) throws Exception {
        Optional<Map<String, Object>> running = connection.running();
        if (running.isPresent()) {
            out.printf("Using the running stack on %s%n", running.get().get("bootstrap.servers"));
            return new SuiteStack(running.get(), null);
        }
        LocalPipeline pipeline = LocalPipeline.start(device, 0, 0, gpuSettings, observers, out);
        return new SuiteStack(pipeline.clientProperties, pipeline);
    }

    /** The embedded pipeline, when this suite started one. */
    Optional<LocalPipeline> embedded() {
        return Optional.ofNullable(started);
    }

    @Override
    public void close() {
        if (started != null) {
            started.close();
        }
    }
}
