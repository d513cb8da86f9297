package dev.ddtstream.captioner;

import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Runs the captioner alone: {@code CaptionerApp [config.properties]} (keys: {@link OrchestratorConfig}). */
public final class CaptionerApp {

    private CaptionerApp() {
    }

    public static OrchestratorApp start(OrchestratorConfig config) throws InterruptedException {
        return OrchestratorApp.start(CaptionFlow::new, config);
    }

    public static void main(String[] args) throws InterruptedException {
        OrchestratorApp app = start(OrchestratorConfig.load(args.length > 0 ? Path.of(args[0]) : null, "captioner"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "captioner-shutdown"));
        stopped.await();
    }
}
