package dev.ddtstream.evaluator.live;

import dev.ddtstream.schemas.config.ServiceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the evaluator on a cluster ({@code flink run -c dev.ddtstream.evaluator.live.EvaluatorMain
 * ddt-stream-evaluator.jar evaluator.properties}) or, started with {@code java}, on a local Flink
 * runtime in this process. Keys (file, then {@code DDT_*} environment): {@code kafka.*} and the
 * registry's, passed through; {@code evaluator.group} (ddt-evaluator); {@code evaluator.tumbling-seconds}
 * (10); {@code evaluator.sliding-seconds} (60); {@code evaluator.slide-seconds} (10);
 * {@code evaluator.out-of-orderness-ms} (2000); {@code evaluator.quiet-ms} (5000);
 * {@code evaluator.checkpoint-ms} (2000).
 */
public final class EvaluatorMain {

    private static final List<String> KEYS = List.of("evaluator.group", "evaluator.tumbling-seconds", "evaluator.sliding-seconds",
            "evaluator.slide-seconds", "evaluator.out-of-orderness-ms", "evaluator.quiet-ms", "evaluator.checkpoint-ms");

    private EvaluatorMain() {
    }

    static EvaluatorJob.Settings settings(Properties p) {
        EvaluatorJob.Settings d = EvaluatorJob.Settings.defaults();
        return new EvaluatorJob.Settings(p.getProperty("evaluator.group", d.groupId()),
                Duration.ofSeconds(number(p, "evaluator.tumbling-seconds", d.tumbling().toSeconds())),
                Duration.ofSeconds(number(p, "evaluator.sliding-seconds", d.slidingSize().toSeconds())),
                Duration.ofSeconds(number(p, "evaluator.slide-seconds", d.slidingStep().toSeconds())),
                Duration.ofMillis(number(p, "evaluator.out-of-orderness-ms", d.outOfOrderness().toMillis())),
                Duration.ofMillis(number(p, "evaluator.quiet-ms", d.quietAfter().toMillis())),
                Duration.ofMillis(number(p, "evaluator.checkpoint-ms", d.checkpointEvery().toMillis())));
    }

    private static long number(Properties p, String key, long fallback) {
        String v = p.getProperty(key);
        try {
            return v == null ? fallback : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration " + key + " = '" + v + "': not a number", e);
        }
    }

    public static void main(String[] args) throws Exception {
        Properties p = ServiceSettings.withEnvironment(ServiceSettings.read(args.length > 0 ? Path.of(args[0]) : null),
                System.getenv(), KEYS);
        Map<String, Object> client = ServiceSettings.clientProperties(p);
        JobClient job = EvaluatorJob.start(StreamExecutionEnvironment.getExecutionEnvironment(), EvaluatorTopics.catalogue(),
                client, settings(p));
        job.getJobExecutionResult().get();
    }
}
