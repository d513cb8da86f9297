package dev.ddtstream.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ddt serve}: the demo's stack, kept running until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Start everything embedded and keep it running; `ddt generate|edit|caption` then talk to it.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda:N or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--metrics-port", defaultValue = "9464", description = "Prometheus endpoint of the GPU pools; 0 = any free port (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--dashboard-port", defaultValue = "8088", description = "The live dashboard's port on 127.0.0.1; 0 = any free port (default: ${DEFAULT-VALUE}).")
    int dashboardPort;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        LocalPipeline pipeline = LocalPipeline.start(device, metricsPort, dashboardPort, out);
        Path serveFile = Path.of(Connection.SERVE_FILE);
        Connection.remember(pipeline.clientProperties);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(serveFile);
            } catch (IOException e) {
                // a stale file names addresses that no longer answer; the next serve overwrites it
            }
            pipeline.close();
            stopped.countDown();
        }, "serve-shutdown"));
        pipeline.generator.httpUrl().ifPresent(u -> out.println("Status    generator " + u + "/requests/{id}"));
        pipeline.captioner.httpUrl().ifPresent(u -> out.println("Status    captioner " + u + "/requests/{id}"));
        pipeline.tokenizer.httpUrl().ifPresent(u -> out.println("Status    tokenizer " + u + "/requests/{id}"));
        pipeline.workers.metricsUrl().ifPresent(u -> out.println("Metrics   " + u));
        out.printf("%nServing. In another shell:%n  ./ddt generate \"two red circles\" -o out.png%n"
                + "  ./ddt caption out.png%n  ./ddt tokenize out.png%nor from anywhere:%n  export DDT_KAFKA_BOOTSTRAP_SERVERS=%s DDT_SCHEMA_REGISTRY_URL=%s%n"
                + "Ctrl-C stops everything.%n", pipeline.stack.bootstrapServers(), pipeline.stack.schemaRegistryUrl());
        stopped.await();
        return 0;
    }
}
