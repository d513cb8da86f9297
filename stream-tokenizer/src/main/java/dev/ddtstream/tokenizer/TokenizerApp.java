package dev.ddtstream.tokenizer;

import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import dev.ddtstream.service.ServiceMain;

/** Runs the tokenizer service alone: {@code TokenizerApp [config.properties]} (keys: {@link OrchestratorConfig}). */
public final class TokenizerApp {

    private TokenizerApp() {
    }

    public static OrchestratorApp start(OrchestratorConfig config) throws InterruptedException {
        return OrchestratorApp.start(TokenizeFlow::new, config);
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceMain.runUntilShutdown("tokenizer", start(OrchestratorConfig.load(ServiceMain.configFile(args), "tokenizer")));
    }
}
