package dev.ddtstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ddtstream.dashboard.DashboardMain;
import dev.ddtstream.evaluator.live.EvaluatorMain;
import dev.ddtstream.gpu.service.GpuWorkersConfig;
import dev.ddtstream.orchestration.OrchestratorConfig;
import dev.ddtstream.service.ServiceSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The commented example files in config/ are what the services read: every key known, every value valid. */
class ConfigFilesTest {

    private static final Path CONFIG = Path.of("../config");

    @Test
    void everyServicesFileHoldsOnlyKeysItReadsWithValuesItTakes() {
        Properties gpu = read("gpu-workers.properties");
        assertEquals(List.of(), ServiceSettings.of(gpu, Map.of(), GpuWorkersConfig.knownKeys()).unknownKeys(), "gpu-workers");
        GpuWorkersConfig.from(gpu, Map.of());
        for (String app : List.of("generator", "captioner", "tokenizer")) {
            Properties p = read(app + ".properties");
            assertEquals(List.of(), ServiceSettings.of(p, Map.of(), OrchestratorConfig.KEYS).unknownKeys(), app);
            assertEquals("ddt-" + app, OrchestratorConfig.from(p, Map.of(), app).applicationId());
        }
        ServiceSettings evaluator = ServiceSettings.of(read("evaluator.properties"), Map.of(), EvaluatorMain.KEYS);
        assertEquals(List.of(), evaluator.unknownKeys(), "evaluator");
        EvaluatorMain.settings(evaluator);
        assertEquals(List.of(), ServiceSettings.of(read("dashboard.properties"), Map.of(), DashboardMain.KEYS).unknownKeys());
        ServiceSettings provision = ServiceSettings.of(read("provision.properties"), Map.of(), ProvisionCommand.KEYS);
        assertEquals(List.of(), provision.unknownKeys(), "provision");
        ProvisionCommand.plan(provision);
    }

    @Test
    void aMisspeltKeyIsNamed() {
        Properties p = read("dashboard.properties");
        p.setProperty("http.prot", "1");
        assertEquals(List.of("http.prot"), ServiceSettings.of(p, Map.of(), DashboardMain.KEYS).unknownKeys());
    }

    @Test
    void everyFileThereBelongsToAService() throws IOException {
        try (Stream<Path> files = Files.list(CONFIG)) {
            // log4j2.xml: the logging of every service image (its entrypoint names /etc/ddt/log4j2.xml)
            assertEquals(List.of("captioner.properties", "dashboard.properties", "evaluator.properties", "generator.properties",
                    "gpu-workers.properties", "log4j2.xml", "provision.properties", "tokenizer.properties"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    private static Properties read(String file) {
        return ServiceSettings.read(CONFIG.resolve(file));
    }
}
