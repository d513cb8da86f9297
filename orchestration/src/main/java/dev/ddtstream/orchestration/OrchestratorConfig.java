package dev.ddtstream.orchestration;

import dev.ddtstream.schemas.config.ServiceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * An orchestrator's configuration (stream-generator, stream-captioner, stream-tokenizer), validated at start.
 * Keys (file, then environment {@code DDT_<KEY>} with {@code .} and {@code -} as {@code _}):
 *
 * <pre>
 * bundle                    model bundle directory (templates, tokenizer.json)  (DDT_BUNDLE, else the committed one)
 * application.id            Kafka Streams application id                        (ddt-&lt;flow&gt;)
 * state.dir                 Kafka Streams state directory                       (java.io.tmpdir/ddt-streams)
 * status.host, status.port  the status endpoint GET /requests/{id}; port 0 = any, -1 = off  (127.0.0.1, 0)
 * retention-minutes         how long answered requests are remembered (duplicates within it get no second answer) (60)
 * limits.prompt-words, limits.image-bytes, limits.image-pixels, limits.max-temperature,
 * limits.max-cfg-scale, limits.max-new-tokens                                   (RequestLimits.defaults())
 * kafka.*                   Kafka client properties, prefix removed, passed through untouched (bootstrap.servers required)
 * schema.registry.url       required; schema.registry.* and basic.auth.* passed through
 * </pre>
 */
public record OrchestratorConfig(Path bundle, String applicationId, Path stateDir, String statusHost, int statusPort,
                                 Duration retention, RequestLimits limits, Map<String, Object> clientProperties) {

    private static final List<String> KEYS = List.of("bundle", "application.id", "state.dir", "status.host", "status.port",
            "retention-minutes", "limits.prompt-words", "limits.image-bytes", "limits.image-pixels",
            "limits.max-temperature", "limits.max-cfg-scale", "limits.max-new-tokens");

    public static OrchestratorConfig load(Path file, String flowName) {
        return from(ServiceSettings.read(file), System.getenv(), flowName);
    }

    public static OrchestratorConfig from(Properties file, Map<String, String> env, String flowName) {
        Properties p = ServiceSettings.withEnvironment(file, env, KEYS);
        RequestLimits d = RequestLimits.defaults();
        RequestLimits limits = value(p, "limits.*", "", v -> new RequestLimits(
                value(p, "limits.prompt-words", String.valueOf(d.promptWords()), Integer::parseInt),
                value(p, "limits.image-bytes", String.valueOf(d.imageBytes()), Integer::parseInt),
                value(p, "limits.image-pixels", String.valueOf(d.imagePixels()), Long::parseLong),
                value(p, "limits.max-temperature", String.valueOf(d.maxTemperature()), Float::parseFloat),
                value(p, "limits.max-cfg-scale", String.valueOf(d.maxCfgScale()), Float::parseFloat),
                value(p, "limits.max-new-tokens", String.valueOf(d.maxNewTokens()), Integer::parseInt)));
        int port = value(p, "status.port", "0", Integer::parseInt);
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("configuration status.port: -1 (off), 0 (any) or a port, got " + port);
        }
        long minutes = value(p, "retention-minutes", "60", Long::parseLong);
        if (minutes < 1) {
            throw new IllegalArgumentException("configuration retention-minutes must be at least 1, got " + minutes);
        }
        Map<String, Object> client = ServiceSettings.clientProperties(p);
        String bundle = p.getProperty("bundle");
        return new OrchestratorConfig(bundle == null || bundle.isBlank() ? null : Path.of(bundle.trim()),
                p.getProperty("application.id", "ddt-" + flowName).trim(),
                Path.of(p.getProperty("state.dir", Path.of(System.getProperty("java.io.tmpdir"), "ddt-streams").toString()).trim()),
                p.getProperty("status.host", "127.0.0.1").trim(), port, Duration.ofMinutes(minutes), limits, client);
    }

    private static <T> T value(Properties p, String key, String fallback, Function<String, T> parse) {
        String v = p.getProperty(key, fallback).trim();
        try {
            return parse.apply(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("configuration " + key + " = '" + v + "': " + e.getMessage(), e);
        }
    }
}
