package dev.ddtstream.tests.dashboard;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.dashboard.Dashboard;
import dev.ddtstream.evaluator.geneval.ResultScorer;
import dev.ddtstream.evaluator.live.EvaluatorJob;
import dev.ddtstream.evaluator.live.EvaluatorTopics;
import dev.ddtstream.events.BenchmarkMetadata;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.ObjectClause;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.generator.GeneratorApp;
import dev.ddtstream.gpu.service.GpuWorkers;
import dev.ddtstream.gpu.service.GpuWorkersConfig;
import dev.ddtstream.infra.flink.LocalFlinkCluster;
import dev.ddtstream.orchestration.OrchestratorApp;
import dev.ddtstream.orchestration.OrchestratorConfig;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.testenv.TestEnvironment;
import dev.ddtstream.testenv.TestEnvironmentExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium, headless, opens the dashboard while results flow through the real pipeline
 * (broker, registry, GPU pools, generator, the Flink evaluator) and sees the live values: windows
 * arriving, the accuracy, latency and throughput charts holding data, the image grid showing the
 * latest images with their verdicts. Skipped when chromium and its chromedriver are not installed,
 * unless {@code DDT_REQUIRE_BROWSER=1} (as {@code .ci/run} sets, after installing them).
 */
@ExtendWith(TestEnvironmentExtension.class)
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @Test
    void theChartsAndTheImageGridShowTheLiveValues(TestEnvironment env) throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!"1".equals(System.getenv("DDT_REQUIRE_BROWSER"))) {
            assumeTrue(installed, "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        }
        assertTrue(installed, "DDT_REQUIRE_BROWSER=1 but " + CHROMIUM + " or " + CHROMEDRIVER + " is missing");

        Provisioning.createTopics(env.clientProperties(), 2);
        Provisioning.registerSchemas(SchemaRegistryClient.create(env.schemaRegistryUrl()));
        Map<String, Object> client = env.clientPropertiesWithRegistry();
        Properties p = new Properties();
        env.clientProperties().forEach((k, v) -> p.setProperty("kafka." + k, String.valueOf(v)));
        p.setProperty("schema.registry.url", env.schemaRegistryUrl());
        p.setProperty("device", "cpu");
        p.setProperty("http.port", "-1");
        p.setProperty("stages", "llama,mmdit");
        p.setProperty("instance", TestEnvironment.unique("browser"));
        p.setProperty("state.dir", Files.createTempDirectory("ddt-browser").toString());
        Path screenshot = Path.of("target/dashboard.png").toAbsolutePath();
        try (GpuWorkers workers = GpuWorkers.start(GpuWorkersConfig.from(p, Map.of()));
             OrchestratorApp generator = GeneratorApp.start(OrchestratorConfig.from(p, Map.of(), "generator"));
             LocalFlinkCluster flink = LocalFlinkCluster.start(2);
             Dashboard dashboard = Dashboard.start(client, "127.0.0.1", 0);
             DdtClient ddt = DdtClient.connect(client)) {
            JobClient evaluator = EvaluatorJob.start(flink.environment(), EvaluatorTopics.catalogue(), client,
                    new EvaluatorJob.Settings(TestEnvironment.unique("evaluator"), Duration.ofSeconds(2), Duration.ofSeconds(10),
                            Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(500)),
                    ResultScorer.forWorld(ManifestReader.read(BundleLocator.committed().orElseThrow()).requireWorld()));
            ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toString())
                    .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1100");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
            ChromeDriver browser = new ChromeDriver(service, options);
            try {
                browser.get(dashboard.url());
                for (int i = 0; i < 12; i++) { // results keep flowing while the page is open
                    send(ddt, i);
                }
                JavascriptExecutor js = browser;
                // the assertion: the page shows all of it within the bound, or the wait fails the test
                new WebDriverWait(browser, Duration.ofSeconds(180)).until(d -> Boolean.TRUE.equals(js.executeScript("""
                        const data = id => (echarts.getInstanceByDom(document.getElementById(id)).getOption()?.series ?? [])
                            .reduce((n, s) => n + (s.data ? s.data.length : 0), 0);
                        return Number(document.getElementById('windows').textContent) > 0
                            && data('accuracy') > 0 && data('latency') > 0 && data('throughputChart') > 0
                            && document.querySelectorAll('#images .image img').length >= 6
                            && document.querySelectorAll('#images .image.correct, #images .image.wrong').length > 0;
                        """)));
                Files.write(screenshot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
                String summary = String.valueOf(js.executeScript("""
                        return 'windows ' + document.getElementById('windows').textContent
                          + ', throughput ' + document.getElementById('throughput').textContent
                          + ', GenEval ' + document.getElementById('geneval').textContent
                          + ', images ' + document.querySelectorAll('#images .image').length
                          + ' (' + document.querySelectorAll('#images .image.correct').length + ' correct, '
                          + document.querySelectorAll('#images .image.wrong').length + ' wrong)'
                          + ', latency stages ' + echarts.getInstanceByDom(document.getElementById('latency')).getOption().xAxis[0].data;
                        """));
                System.out.println("DASHBOARD " + summary + "; screenshot " + screenshot);
            } finally {
                browser.quit();
                evaluator.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static CompletableFuture<?> send(DdtClient ddt, int i) {
        String[] shapes = {"circle", "square", "triangle"};
        String shape = shapes[i % 3];
        BenchmarkMetadata m = BenchmarkMetadata.newBuilder().setSuite("browser").setTask("single_object").setPromptId("p" + i)
                .setClauses(List.of(ObjectClause.newBuilder().setShape(shape).setCount(1).build())).build();
        GenerationRequest r = GenerationRequest.newBuilder().setRequestId(TestEnvironment.unique("browser")).setKind(RequestKind.GENERATE)
                .setPrompt("a " + shape).setSeed(i).setSampling(new SamplingParams(0f, 0, 1f, 3f, null))
                .setCreatedAtMs(System.currentTimeMillis()).setBenchmark(m).build();
        return ddt.submit(r);
    }
}
