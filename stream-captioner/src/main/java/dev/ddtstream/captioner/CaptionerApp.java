package dev.ddtstream.captioner;

import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import dev.ddtstream.service.ServiceMain;

/** Runs the captioner alone: {@code CaptionerApp [config.properties]} (keys: {@link OrchestratorConfig}). */
public final class CaptionerApp {

    private CaptionerApp() {
    }

    public static OrchestratorApp start(OrchestratorConfig config) throws InterruptedException {
        return OrchestratorApp.start(CaptionFlow::new, config);
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceMain.runUntilShutdown("captioner", start(OrchestratorConfig.load(ServiceMain.configFile(args), "captioner")));
    }
}
