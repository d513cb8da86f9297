package dev.ddtstream.generator;

import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import dev.ddtstream.service.ServiceMain;

/** Runs the generator alone: {@code GeneratorApp [config.properties]} (keys: {@link OrchestratorConfig}). */
public final class GeneratorApp {

    private GeneratorApp() {
    }

    public static OrchestratorApp start(OrchestratorConfig config) throws InterruptedException {
        return OrchestratorApp.start(GenerateFlow::new, config);
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceMain.runUntilShutdown("generator", start(OrchestratorConfig.load(ServiceMain.configFile(args), "generator")));
    }
}
