package dev.ddtstream.generator;

import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Runs the generator alone: {@code GeneratorApp [config.properties]} (keys: {@link OrchestratorConfig}). */
public final class GeneratorApp {

    private GeneratorApp() {
    }

    public static OrchestratorApp start(OrchestratorConfig config) throws InterruptedException {
        return OrchestratorApp.start(GenerateFlow::new, config);
    }

    public static void main(String[] args) throws InterruptedException {
        OrchestratorApp app = start(OrchestratorConfig.load(args.length > 0 ? Path.of(args[0]) : null, "generator"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "generator-shutdown"));
        stopped.await();
    }
}
