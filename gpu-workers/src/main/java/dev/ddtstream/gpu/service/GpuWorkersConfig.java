package dev.ddtstream.gpu.service;

import dev.ddtstream.bundle.BatchPolicy;
import dev.ddtstream.bundle.Batching;
import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.pool.PoolSettings;
import dev.ddtstream.gpu.runtime.DeviceSpec;
import dev.ddtstream.gpu.runtime.RuntimeConfig;
import dev.ddtstream.schemas.PayloadLimit;
import dev.ddtstream.service.ServiceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The gpu-workers service configuration, validated at start. Keys (file, then environment
 * {@code DDT_<KEY>} with {@code .} and {@code -} as {@code _}, e.g. {@code DDT_LLAMA_BATCH_MAX_SIZE}):
 *
 * <pre>
 * bundle                      model bundle directory      (default: DDT_BUNDLE, else the committed bundle)
 * device                      cpu | cuda:N | auto         (auto)
 * ort.intra-op-threads        0 = ONNX Runtime's choice   (0)
 * ort.inter-op-threads                                    (0)
 * ort.optimization            NONE | BASIC | EXTENDED | ALL (ALL)
 * ort.cpu-arena               true | false                (true)
 * stages                      comma list of encoder, llama, mmdit (all three)
 * instance                    worker-id prefix, stable per process; transactional ids derive from it (local)
 * STAGE.workers               worker threads for the stage (1)
 * STAGE.batch.max-size        (the bundle's batching.STAGE.max_batch_size); continuous: 2 x this rows running at
 *                             once, as many as a static batch's (a guided job takes two, others one)
 * STAGE.batch.max-wait-ms     (the bundle's batching.STAGE.max_queue_delay_ms); static only
 * llama.scheduler             continuous: jobs join and leave a running decode loop at every token, each result
 *                             published as it finishes; static: batch by batch (continuous)
 * mmdit.scheduler             continuous: images join and leave a running sample loop at every sampler step;
 *                             static: batch by batch (continuous)
 * STAGE.commit-interval-ms    continuous only: how long a finished result may wait for others to share its
 *                             transaction, which costs a coordinator round trip (PoolSettings.DEFAULT_COMMIT_INTERVAL)
 * STAGE.group                 consumer group (ddt-STAGE-pool)
 * STAGE.session-timeout-ms    how long the group waits for a silent worker before moving its partitions (6000)
 * payload.max-bytes           the deployment's payload limit: what the workers' producers send (8 MiB)
 * http.host                   the HTTP port's address: /health, /ready, /metrics (127.0.0.1)
 * http.port                   0 = any free port, -1 = none (9464)
 * kafka.*                     Kafka client properties, prefix removed, passed through untouched
 *                             (kafka.bootstrap.servers is required; SASL/TLS settings go here)
 * schema.registry.url         required; every schema.registry.* and basic.auth.* key is passed through
 * </pre>
 *
 * @param bundle the bundle directory, resolved: its manifest supplies the batching defaults
 */
public record GpuWorkersConfig(Path bundle, RuntimeConfig runtime, Map<Stage, PoolSettings> pools,
                               String httpHost, int httpPort, Map<String, Object> clientProperties) {

    private static final List<Stage> GPU_STAGES = List.of(Stage.ENCODER, Stage.LLAMA, Stage.MMDIT);

    /** Reads {@code file} (may be null) with the process environment's overrides. */
    public static GpuWorkersConfig load(Path file) {
        return from(ServiceSettings.read(file), System.getenv());
    }

    /** Builds the configuration from properties and environment overrides; throws with the key at fault. */
    public static GpuWorkersConfig from(Properties file, Map<String, String> env) {
        ServiceSettings s = ServiceSettings.of(file, env, knownKeys());
        Path bundle = BundleLocator.locate(s.text("bundle", null)).orElseThrow(() -> new IllegalArgumentException(
                "no model bundle: set bundle (DDT_BUNDLE) or run from a checkout with " + BundleLocator.COMMITTED));
        Batching batching = ManifestReader.read(bundle).batching();
        RuntimeConfig runtime = new RuntimeConfig(
                s.parse("device", "auto", DeviceSpec::parse),
                s.integer("ort.intra-op-threads", 0),
                s.integer("ort.inter-op-threads", 0),
                s.parse("ort.optimization", "ALL", v -> RuntimeConfig.GraphOptimization.valueOf(v.toUpperCase(Locale.ROOT))),
                s.flag("ort.cpu-arena", true));
        String instance = s.text("instance", "local");
        Map<Stage, PoolSettings> pools = new EnumMap<>(Stage.class);
        for (String name : s.text("stages", "encoder,llama,mmdit").split(",")) {
            Stage stage = s.group("stages", () -> stageNamed(name.trim()));
            String k = stage.name().toLowerCase(Locale.ROOT);
            BatchPolicy d = batching.forStage(k);
            BatchPolicy batch = s.group(k + ".batch", () -> new BatchPolicy(
                    s.integer(k + ".batch.max-size", d.maxBatchSize()),
                    Duration.ofMillis(s.number(k + ".batch.max-wait-ms", d.maxWait().toMillis()))));
            pools.put(stage, s.group(k, () -> new PoolSettings(s.text(k + ".group", PoolSettings.defaultGroup(stage)),
                    instance, s.integer(k + ".workers", 1), batch,
                    Duration.ofMillis(s.number(k + ".session-timeout-ms", PoolSettings.DEFAULT_SESSION_TIMEOUT.toMillis())),
                    PoolSettings.RestartPolicy.DEFAULT, scheduler(s, stage),
                    Duration.ofMillis(s.number(k + ".commit-interval-ms", PoolSettings.DEFAULT_COMMIT_INTERVAL.toMillis())))));
        }
        PayloadLimit payload = s.group(PayloadLimit.KEY, () -> new PayloadLimit(s.integer(PayloadLimit.KEY, PayloadLimit.DEFAULT.maxImageBytes())));
        Map<String, Object> client = new LinkedHashMap<>(s.clientProperties());
        client.putAll(payload.producerProperties());
        return new GpuWorkersConfig(bundle, runtime, pools, s.text("http.host", "127.0.0.1"), s.port("http.port", 9464), client);
    }

    /** Every key the service reads. */
    public static List<String> knownKeys() {
        List<String> keys = new ArrayList<>(List.of("bundle", "device", "ort.intra-op-threads",
                "ort.inter-op-threads", "ort.optimization", "ort.cpu-arena", "stages", "instance", PayloadLimit.KEY, "http.host",
                "http.port", "llama.scheduler", "mmdit.scheduler"));
        for (Stage s : GPU_STAGES) {
            String k = s.name().toLowerCase(Locale.ROOT);
            keys.addAll(List.of(k + ".workers", k + ".batch.max-size", k + ".batch.max-wait-ms", k + ".group",
                    k + ".session-timeout-ms", k + ".commit-interval-ms"));
        }
        return keys;
    }

    /** LLaMA (tokens) and MMDiT (sampler steps) work in steps that jobs can join between; the encoder is one call. */
    private static PoolSettings.Scheduler scheduler(ServiceSettings s, Stage stage) {
        if (stage == Stage.ENCODER) {
            return PoolSettings.Scheduler.STATIC;
        }
        String key = stage.name().toLowerCase(Locale.ROOT) + ".scheduler";
        return s.parse(key, "continuous", v -> switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "continuous" -> PoolSettings.Scheduler.CONTINUOUS;
            case "static" -> PoolSettings.Scheduler.STATIC;
            default -> throw new IllegalArgumentException(key + " is continuous or static, not '" + v + "'");
        });
    }

    private static Stage stageNamed(String name) {
        for (Stage s : GPU_STAGES) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown stage '" + name + "' (encoder, llama, mmdit)");
    }
}
