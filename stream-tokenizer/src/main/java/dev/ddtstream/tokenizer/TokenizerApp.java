package dev.ddtstream.tokenizer;

import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Runs the tokenizer service alone: {@code TokenizerApp [config.properties]} (keys: {@link OrchestratorConfig}). */
public final class TokenizerApp {

    private TokenizerApp() {
    }

    public static OrchestratorApp start(OrchestratorConfig config) throws InterruptedException {
        return OrchestratorApp.start(TokenizeFlow::new, config);
    }

    public static void main(String[] args) throws InterruptedException {
        OrchestratorApp app = start(OrchestratorConfig.load(args.length > 0 ? Path.of(args[0]) : null, "tokenizer"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "tokenizer-shutdown"));
        stopped.await();
    }
}
