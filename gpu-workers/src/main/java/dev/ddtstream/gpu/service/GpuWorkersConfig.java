package dev.ddtstream.gpu.service;

import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.batching.BatchPolicy;
import dev.ddtstream.gpu.pool.PoolSettings;
import dev.ddtstream.gpu.runtime.DeviceSpec;
import dev.ddtstream.gpu.runtime.RuntimeConfig;
import dev.ddtstream.schemas.config.ServiceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
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
 * STAGE.batch.max-size        (16)
 * STAGE.batch.max-wait-ms     (encoder 10, llama 20, mmdit 20)
 * STAGE.group                 consumer group (ddt-STAGE-pool)
 * metrics.host                (127.0.0.1)
 * metrics.port                0 = any free port, -1 = no endpoint (9464)
 * kafka.*                     Kafka client properties, prefix removed, passed through untouched
 *                             (kafka.bootstrap.servers is required; SASL/TLS settings go here)
 * schema.registry.url         required; every schema.registry.* and basic.auth.* key is passed through
 * </pre>
 */
public record GpuWorkersConfig(Path bundle, RuntimeConfig runtime, Map<Stage, PoolSettings> pools,
                               String metricsHost, int metricsPort, Map<String, Object> clientProperties) {

    private static final List<Stage> GPU_STAGES = List.of(Stage.ENCODER, Stage.LLAMA, Stage.MMDIT);

    /** Reads {@code file} (may be null) with the process environment's overrides. */
    public static GpuWorkersConfig load(Path file) {
        return from(ServiceSettings.read(file), System.getenv());
    }

    /** Builds the configuration from properties and environment overrides; throws with the key at fault. */
    public static GpuWorkersConfig from(Properties file, Map<String, String> env) {
        Properties p = ServiceSettings.withEnvironment(file, env, knownKeys());
        Settings s = new Settings(p);
        Path bundle = s.text("bundle", null) == null ? null : Path.of(s.text("bundle", null));
        RuntimeConfig runtime = new RuntimeConfig(
                s.parse("device", "auto", DeviceSpec::parse),
                s.integer("ort.intra-op-threads", 0),
                s.integer("ort.inter-op-threads", 0),
                s.parse("ort.optimization", "ALL", v -> RuntimeConfig.GraphOptimization.valueOf(v.trim().toUpperCase(Locale.ROOT))),
                s.parse("ort.cpu-arena", "true", GpuWorkersConfig::bool));
        String instance = s.text("instance", "local");
        Map<Stage, PoolSettings> pools = new EnumMap<>(Stage.class);
        for (String name : s.text("stages", "encoder,llama,mmdit").split(",")) {
            Stage stage = s.build("stages", () -> stageNamed(name.trim()));
            String k = stage.name().toLowerCase(Locale.ROOT);
            PoolSettings d = PoolSettings.defaults(stage);
            BatchPolicy batch = s.build(k + ".batch", () -> new BatchPolicy(
                    s.integer(k + ".batch.max-size", d.batch().maxBatchSize()),
                    Duration.ofMillis(s.integer(k + ".batch.max-wait-ms", (int) d.batch().maxWait().toMillis()))));
            PoolSettings settings = s.build(k, () -> new PoolSettings(s.text(k + ".group", d.groupId()), instance,
                    s.integer(k + ".workers", d.workers()), batch));
            pools.put(stage, settings);
        }
        int port = s.integer("metrics.port", 9464);
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("metrics.port must be -1 (off), 0 (any) or a port, got " + port);
        }
        Map<String, Object> client = ServiceSettings.clientProperties(p);
        return new GpuWorkersConfig(bundle, runtime, pools, s.text("metrics.host", "127.0.0.1"), port, client);
    }


    private static List<String> knownKeys() {
        List<String> keys = new java.util.ArrayList<>(List.of("bundle", "device", "ort.intra-op-threads",
                "ort.inter-op-threads", "ort.optimization", "ort.cpu-arena", "stages", "instance", "metrics.host",
                "metrics.port"));
        for (Stage s : GPU_STAGES) {
            String k = s.name().toLowerCase(Locale.ROOT);
            keys.addAll(List.of(k + ".workers", k + ".batch.max-size", k + ".batch.max-wait-ms", k + ".group"));
        }
        return keys;
    }

    private static Stage stageNamed(String name) {
        for (Stage s : GPU_STAGES) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown stage '" + name + "' (encoder, llama, mmdit)");
    }

    private static boolean bool(String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false, got '" + v + "'");
        };
    }


    /** Typed reads that name the key in every error. */
    private record Settings(Properties p) {
        String text(String key, String fallback) {
            String v = p.getProperty(key);
            return v == null || v.isBlank() ? fallback : v.trim();
        }

        int integer(String key, int fallback) {
            return parse(key, Integer.toString(fallback), v -> Integer.parseInt(v.trim()));
        }

        <T> T build(String key, java.util.function.Supplier<T> f) {
            try {
                return f.get();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("configuration " + key + ".*: " + e.getMessage(), e);
            }
        }

        <T> T parse(String key, String fallback, java.util.function.Function<String, T> f) {
            String v = text(key, fallback);
            try {
                return f.apply(v);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("configuration " + key + " = '" + v + "': " + e.getMessage(), e);
            }
        }
    }
}
