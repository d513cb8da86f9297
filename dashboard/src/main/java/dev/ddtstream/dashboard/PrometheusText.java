package dev.ddtstream.dashboard;

import dev.ddtstream.events.LatencyPercentiles;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.WindowKind;
import java.util.Locale;
import java.util.Map;

/**
 * The latest window of each kind in Prometheus' text format, for the Grafana dashboard in
 * {@code infra/grafana}: {@code ddt_eval_accuracy{task,window,mode}}, {@code ddt_eval_geneval_overall{window,mode}}
 * (mode {@code geneval}: GenEval's own rules, {@code strict}: ours),
 * {@code ddt_eval_latency_ms{stage,quantile}}, {@code ddt_eval_throughput_per_second},
 * {@code ddt_eval_errors{reason}}, {@code ddt_eval_dead_letters}, {@code ddt_eval_edit_l1},
 * {@code ddt_eval_caption_accuracy}, {@code ddt_eval_codes_in_use}.
 */
final class PrometheusText {

    private PrometheusText() {
    }

    static String render(Map<WindowKind, MetricsWindow> latest) {
        StringBuilder s = new StringBuilder();
        gauge(s, "ddt_eval_accuracy", "accuracy per task in the window, by scoring mode");
        latest.forEach((kind, w) -> {
            w.getGenevalModeAccuracyByTask().forEach((task, a) ->
                    sample(s, "ddt_eval_accuracy", "task=\"" + task + "\",window=\"" + window(kind) + "\",mode=\"geneval\"", a));
            w.getAccuracyByTask().forEach((task, a) ->
                    sample(s, "ddt_eval_accuracy", "task=\"" + task + "\",window=\"" + window(kind) + "\",mode=\"strict\"", a));
        });
        gauge(s, "ddt_eval_geneval_overall", "mean of the GenEval task accuracies, by scoring mode");
        latest.forEach((kind, w) -> {
            if (w.getGenevalModeOverall() != null) {
                sample(s, "ddt_eval_geneval_overall", "window=\"" + window(kind) + "\",mode=\"geneval\"", w.getGenevalModeOverall());
            }
            if (w.getGenevalOverall() != null) {
                sample(s, "ddt_eval_geneval_overall", "window=\"" + window(kind) + "\",mode=\"strict\"", w.getGenevalOverall());
            }
        });
        gauge(s, "ddt_eval_latency_ms", "latency percentiles per stage and end to end");
        latest.forEach((kind, w) -> w.getLatency().forEach((stage, p) -> quantiles(s, stage, window(kind), p)));
        gauge(s, "ddt_eval_throughput_per_second", "terminal results per second");
        latest.forEach((kind, w) -> sample(s, "ddt_eval_throughput_per_second", "window=\"" + window(kind) + "\"", w.getThroughputPerSecond()));
        gauge(s, "ddt_eval_errors", "error results by reason in the window");
        latest.forEach((kind, w) -> w.getErrorsByReason().forEach((reason, n) ->
                sample(s, "ddt_eval_errors", "reason=\"" + reason + "\",window=\"" + window(kind) + "\"", n)));
        gauge(s, "ddt_eval_dead_letters", "dead letters in the window");
        latest.forEach((kind, w) -> sample(s, "ddt_eval_dead_letters", "window=\"" + window(kind) + "\"", w.getDeadLetters()));
        gauge(s, "ddt_eval_edit_l1", "mean L1 of edits against their targets, pixels in [0,1]");
        latest.forEach((kind, w) -> {
            if (w.getEditL1() != null) {
                sample(s, "ddt_eval_edit_l1", "window=\"" + window(kind) + "\"", w.getEditL1());
            }
        });
        gauge(s, "ddt_eval_caption_accuracy", "captions stating the reference");
        latest.forEach((kind, w) -> {
            if (w.getCaptionAccuracy() != null) {
                sample(s, "ddt_eval_caption_accuracy", "window=\"" + window(kind) + "\"", w.getCaptionAccuracy());
            }
        });
        gauge(s, "ddt_eval_codes_in_use", "distinct visual codes in the window");
        latest.forEach((kind, w) -> {
            if (w.getCodesInUse() != null) {
                sample(s, "ddt_eval_codes_in_use", "window=\"" + window(kind) + "\"", w.getCodesInUse());
            }
        });
        return s.toString();
    }

    private static void quantiles(StringBuilder s, String stage, String window, LatencyPercentiles p) {
        String labels = "stage=\"" + stage + "\",window=\"" + window + "\",quantile=";
        sample(s, "ddt_eval_latency_ms", labels + "\"0.5\"", p.getP50Ms());
        sample(s, "ddt_eval_latency_ms", labels + "\"0.95\"", p.getP95Ms());
        sample(s, "ddt_eval_latency_ms", labels + "\"0.99\"", p.getP99Ms());
    }

    private static String window(WindowKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static void gauge(StringBuilder s, String name, String help) {
        s.append("# HELP ").append(name).append(' ').append(help).append('\n');
        s.append("# TYPE ").append(name).append(" gauge\n");
    }

    private static void sample(StringBuilder s, String name, String labels, Number value) {
        s.append(name).append('{').append(labels).append("} ").append(value.doubleValue()).append('\n');
    }
}
