package dev.ddtstream.evaluator.live;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.evaluator.geneval.ResultScorer;
import dev.ddtstream.service.ServiceMain;
import dev.ddtstream.service.ServiceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the evaluator on a cluster ({@code flink run -c dev.ddtstream.evaluator.live.EvaluatorMain
 * ddt-stream-evaluator.jar evaluator.properties}) or, started with {@code java}, on a local Flink
 * runtime in this process. Keys (file, then {@code DDT_*} environment): {@code kafka.*} and the
 * registry's, passed through; {@code bundle} (the model bundle whose synthetic world the detector
 * reads: DDT_BUNDLE, else the committed one); {@code evaluator.group} (ddt-evaluator);
 * {@code evaluator.tumbling-seconds} (10); {@code evaluator.sliding-seconds} (60);
 * {@code evaluator.slide-seconds} (10); {@code evaluator.out-of-orderness-ms} (2000);
 * {@code evaluator.quiet-ms} (5000); {@code evaluator.checkpoint-ms} (2000).
 */
public final class EvaluatorMain {

    /** Every key the evaluator reads. */
    public static final List<String> KEYS = List.of("bundle", "evaluator.group", "evaluator.tumbling-seconds",
            "evaluator.sliding-seconds", "evaluator.slide-seconds", "evaluator.out-of-orderness-ms", "evaluator.quiet-ms",
            "evaluator.checkpoint-ms");

    private EvaluatorMain() {
    }

    /** The job's settings from the service's. */
    public static EvaluatorJob.Settings settings(ServiceSettings s) {
        EvaluatorJob.Settings d = EvaluatorJob.Settings.defaults();
        return new EvaluatorJob.Settings(s.text("evaluator.group", d.groupId()),
                Duration.ofSeconds(s.number("evaluator.tumbling-seconds", d.tumbling().toSeconds())),
                Duration.ofSeconds(s.number("evaluator.sliding-seconds", d.slidingSize().toSeconds())),
                Duration.ofSeconds(s.number("evaluator.slide-seconds", d.slidingStep().toSeconds())),
                Duration.ofMillis(s.number("evaluator.out-of-orderness-ms", d.outOfOrderness().toMillis())),
                Duration.ofMillis(s.number("evaluator.quiet-ms", d.quietAfter().toMillis())),
                Duration.ofMillis(s.number("evaluator.checkpoint-ms", d.checkpointEvery().toMillis())));
    }

    public static void main(String[] args) throws Exception {
        ServiceSettings s = ServiceSettings.load(ServiceMain.configFile(args), KEYS);
        Path bundle = BundleLocator.locate(s.text("bundle", null)).orElseThrow(() -> new IllegalArgumentException(
                "no model bundle: set bundle (DDT_BUNDLE) or run from a checkout with " + BundleLocator.COMMITTED));
        ResultScorer scorer = ResultScorer.forWorld(ManifestReader.read(bundle).requireWorld());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EvaluatorJob.wire(env, EvaluatorTopics.catalogue(), s.clientProperties(), settings(s), scorer);
        // on a cluster (flink run, a jar run through the REST API) this submits and returns; started with java, it runs here
        env.execute(EvaluatorJob.NAME);
    }
}
