package dev.ddtstream.orchestration;

import dev.ddtstream.schemas.PayloadLimit;
import dev.ddtstream.service.ServiceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * An orchestrator's configuration (stream-generator, stream-captioner, stream-tokenizer), validated at start.
 * Keys (file, then environment {@code DDT_<KEY>} with {@code .} and {@code -} as {@code _}):
 *
 * <pre>
 * bundle                    model bundle directory (templates, tokenizer.json)  (DDT_BUNDLE, else the committed one)
 * application.id            Kafka Streams application id                        (ddt-&lt;flow&gt;)
 * state.dir                 Kafka Streams state directory                       (java.io.tmpdir/ddt-streams)
 * http.host, http.port      GET /health, /ready and /requests/{id}; port 0 = any, -1 = off  (127.0.0.1, 0)
 * instance                  this instance's stable name (a pod name): its static group membership (none)
 * session-timeout-ms        how long the group waits for a silent instance before moving its tasks (6000)
 * retention-minutes         how long answered requests are remembered (duplicates within it get no second answer) (60)
 * payload.max-bytes         the deployment's one payload limit: the largest image admitted, and what its
 *                           producers send (the topics take it: ddt provision)  (8 MiB)
 * limits.prompt-words, limits.image-pixels, limits.max-temperature,
 * limits.max-cfg-scale, limits.max-new-tokens                                   (RequestLimits.defaults())
 * kafka.*                   Kafka client properties, prefix removed, passed through untouched (bootstrap.servers required)
 * schema.registry.url       required; schema.registry.* and basic.auth.* passed through
 * </pre>
 */
public record OrchestratorConfig(Path bundle, String applicationId, Path stateDir, String httpHost, int httpPort,
                                 Optional<String> instance, Duration sessionTimeout, Duration retention, RequestLimits limits,
                                 PayloadLimit payload, Map<String, Object> clientProperties) {

    /** Every key an orchestrator reads. */
    public static final List<String> KEYS = List.of("bundle", "application.id", "state.dir", "http.host", "http.port",
            "instance", "session-timeout-ms", "retention-minutes", PayloadLimit.KEY, "limits.prompt-words", "limits.image-pixels",
            "limits.max-temperature", "limits.max-cfg-scale", "limits.max-new-tokens");

    public static OrchestratorConfig load(Path file, String flowName) {
        return from(ServiceSettings.read(file), System.getenv(), flowName);
    }

    public static OrchestratorConfig from(Properties file, Map<String, String> env, String flowName) {
        ServiceSettings s = ServiceSettings.of(file, env, KEYS);
        RequestLimits d = RequestLimits.defaults();
        PayloadLimit payload = s.group(PayloadLimit.KEY, () -> new PayloadLimit(s.integer(PayloadLimit.KEY, PayloadLimit.DEFAULT.maxImageBytes())));
        RequestLimits limits = s.group("limits", () -> new RequestLimits(
                s.integer("limits.prompt-words", d.promptWords()),
                payload.maxImageBytes(),
                s.number("limits.image-pixels", d.imagePixels()),
                s.decimal("limits.max-temperature", d.maxTemperature()),
                s.decimal("limits.max-cfg-scale", d.maxCfgScale()),
                s.integer("limits.max-new-tokens", d.maxNewTokens())));
        long minutes = s.number("retention-minutes", 60);
        if (minutes < 1) {
            throw new IllegalArgumentException("configuration retention-minutes must be at least 1, got " + minutes);
        }
        return new OrchestratorConfig(s.path("bundle").orElse(null),
                s.text("application.id", "ddt-" + flowName),
                s.path("state.dir").orElse(Path.of(System.getProperty("java.io.tmpdir"), "ddt-streams")),
                s.text("http.host", "127.0.0.1"), s.port("http.port", 0), Optional.ofNullable(s.text("instance", null)),
                Duration.ofMillis(s.number("session-timeout-ms", 6000)), Duration.ofMinutes(minutes), limits, payload,
                s.clientProperties());
    }
}
