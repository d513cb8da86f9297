package dev.ddtstream.dashboard;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.LatencyPercentiles;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.WindowKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void everyEvaluationMetricTheGrafanaDashboardQueriesIsExported() throws Exception {
        MetricsWindow full = MetricsWindow.newBuilder().setWindowKind(WindowKind.TUMBLING).setWindowStartMs(0).setWindowEndMs(10_000)
                .setResults(4).setThroughputPerSecond(0.4).setAccuracyByTask(Map.of("colors", 1.0)).setGenevalOverall(1.0)
                .setEditL1(0.1).setEditL2(0.02).setCaptionAccuracy(0.5)
                .setLatency(Map.of("end_to_end", new LatencyPercentiles(4L, 1.0, 2.0, 3.0)))
                .setErrorsByReason(Map.of("INTERNAL", 1L)).setDeadLetters(1).setBatchSizes(Map.of("4", 1L)).setCodesInUse(9).build();
        String text = PrometheusText.render(Map.of(WindowKind.TUMBLING, full, WindowKind.SLIDING, full));
        String grafana = Files.readString(Path.of("../infra/grafana/ddt-stream.json"));
        Matcher m = Pattern.compile("ddt_eval_[a-z0-9_]+").matcher(grafana);
        int queried = 0;
        while (m.find()) {
            queried++;
            assertTrue(text.contains(m.group() + "{"), "the Grafana dashboard queries " + m.group() + ", which /metrics does not export");
        }
        assertTrue(queried >= 5, "the dashboard queries the evaluation metrics: " + queried);
    }

    @Test
    void rendersTheWindowsAggregatesAsLabelledGauges() {
        MetricsWindow w = MetricsWindow.newBuilder().setWindowKind(WindowKind.SLIDING).setWindowStartMs(0).setWindowEndMs(60_000)
                .setResults(12).setThroughputPerSecond(0.2).setAccuracyByTask(Map.of("counting", 0.25))
                .setGenevalOverall(0.25).setGenevalModeAccuracyByTask(Map.of("counting", 0.5)).setGenevalModeOverall(0.5).setLatency(Map.of("LLAMA", new LatencyPercentiles(12L, 500.0, 900.0, 990.0)))
                .setErrorsByReason(Map.of("BAD_TOKENS", 3L)).setDeadLetters(3).setBatchSizes(Map.of()).build();
        String text = PrometheusText.render(Map.of(WindowKind.SLIDING, w));
        assertTrue(text.contains("# TYPE ddt_eval_accuracy gauge"), text);
        assertTrue(text.contains("ddt_eval_accuracy{task=\"counting\",window=\"sliding\",mode=\"strict\"} 0.25"), text);
        assertTrue(text.contains("ddt_eval_accuracy{task=\"counting\",window=\"sliding\",mode=\"geneval\"} 0.5"), text);
        assertTrue(text.contains("ddt_eval_geneval_overall{window=\"sliding\",mode=\"strict\"} 0.25"), text);
        assertTrue(text.contains("ddt_eval_geneval_overall{window=\"sliding\",mode=\"geneval\"} 0.5"), text);
        assertTrue(text.contains("ddt_eval_latency_ms{stage=\"LLAMA\",window=\"sliding\",quantile=\"0.95\"} 900.0"), text);
        assertTrue(text.contains("ddt_eval_errors{reason=\"BAD_TOKENS\",window=\"sliding\"} 3.0"), text);
        assertTrue(text.contains("ddt_eval_throughput_per_second{window=\"sliding\"} 0.2"), text);
        assertTrue(!text.contains("ddt_eval_edit_l1{"), "no edit sample without edits: " + text);
    }
}
