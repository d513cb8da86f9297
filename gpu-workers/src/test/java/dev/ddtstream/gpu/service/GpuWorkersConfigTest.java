package dev.ddtstream.gpu.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.pool.PoolSettings;
import dev.ddtstream.schemas.PayloadLimit;
import dev.ddtstream.gpu.runtime.DeviceSpec;
import dev.ddtstream.gpu.runtime.RuntimeConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GpuWorkersConfigTest {

    private static Properties minimal() {
        Properties p = new Properties();
        p.setProperty("kafka.bootstrap.servers", "127.0.0.1:9092");
        p.setProperty("schema.registry.url", "http://127.0.0.1:8081");
        return p;
    }

    @Test
    void defaultsRunEveryStageOnAutoWithTheStagesBatchPolicies() {
        GpuWorkersConfig c = GpuWorkersConfig.from(minimal(), Map.of());
        assertEquals(DeviceSpec.AUTO, c.runtime().device());
        assertEquals(RuntimeConfig.GraphOptimization.ALL, c.runtime().optimization());
        assertEquals(Set.of(Stage.ENCODER, Stage.LLAMA, Stage.MMDIT), c.pools().keySet());
        assertEquals("ddt-llama-pool", c.pools().get(Stage.LLAMA).groupId());
        assertEquals(Duration.ofMillis(10), c.pools().get(Stage.ENCODER).batch().maxWait());
        assertEquals(PoolSettings.Scheduler.CONTINUOUS, c.pools().get(Stage.LLAMA).scheduler());
        assertEquals(PoolSettings.Scheduler.CONTINUOUS, c.pools().get(Stage.MMDIT).scheduler());
        assertEquals(PoolSettings.Scheduler.STATIC, c.pools().get(Stage.ENCODER).scheduler());
        assertEquals(PoolSettings.DEFAULT_COMMIT_INTERVAL, c.pools().get(Stage.MMDIT).commitInterval());
        assertEquals("127.0.0.1", c.httpHost());
        assertEquals(9464, c.httpPort());
        assertEquals(Map.of("bootstrap.servers", "127.0.0.1:9092", "schema.registry.url", "http://127.0.0.1:8081",
                "max.request.size", PayloadLimit.DEFAULT.maxRecordBytes()), c.clientProperties(), "the producers send the payload limit");
    }

    @Test
    void environmentOverridesTheFileAndKafkaPropertiesPassThroughUntouched() {
        Properties p = minimal();
        p.setProperty("llama.batch.max-size", "4");
        p.setProperty("llama.scheduler", "continuous");
        p.setProperty("kafka.security.protocol", "SASL_SSL");
        GpuWorkersConfig c = GpuWorkersConfig.from(p, Map.of(
                "DDT_LLAMA_BATCH_MAX_SIZE", "32",
                "DDT_LLAMA_SCHEDULER", "static",
                "DDT_LLAMA_COMMIT_INTERVAL_MS", "25",
                "DDT_STAGES", "llama",
                "DDT_DEVICE", "cuda:1",
                "DDT_KAFKA_SASL_JAAS_CONFIG", "x required;",
                "DDT_BASIC_AUTH_USER_INFO", "u:p"));
        assertEquals(32, c.pools().get(Stage.LLAMA).batch().maxBatchSize());
        assertEquals(PoolSettings.Scheduler.STATIC, c.pools().get(Stage.LLAMA).scheduler());
        assertEquals(Duration.ofMillis(25), c.pools().get(Stage.LLAMA).commitInterval());
        assertEquals(Set.of(Stage.LLAMA), c.pools().keySet());
        assertEquals(DeviceSpec.cuda(1), c.runtime().device());
        assertEquals("SASL_SSL", c.clientProperties().get("security.protocol"));
        assertEquals("x required;", c.clientProperties().get("sasl.jaas.config"));
        assertEquals("u:p", c.clientProperties().get("basic.auth.user.info"));
    }

    @Test
    void badValuesNameTheirKey() {
        Properties p = minimal();
        p.setProperty("mmdit.batch.max-size", "0");
        assertTrue(message(p).contains("mmdit.batch"), message(p));
        p = minimal();
        p.setProperty("stages", "encoder,painter");
        assertTrue(message(p).contains("unknown stage 'painter'"), message(p));
        p = minimal();
        p.setProperty("ort.intra-op-threads", "many");
        assertTrue(message(p).contains("ort.intra-op-threads = 'many'"), message(p));
        p = minimal();
        p.remove("kafka.bootstrap.servers");
        assertTrue(message(p).contains("kafka.bootstrap.servers is required"), message(p));
        p = minimal();
        p.setProperty("instance", "pod 1");
        assertTrue(message(p).contains("instance"), message(p));
        p = minimal();
        p.setProperty("llama.scheduler", "eager");
        assertTrue(message(p).contains("llama.scheduler"), message(p));
        p = minimal();
        p.setProperty("mmdit.commit-interval-ms", "5000");
        assertTrue(message(p).contains("mmdit") && message(p).contains("commit interval"), message(p));
    }

    private static String message(Properties p) {
        return assertThrows(IllegalArgumentException.class, () -> GpuWorkersConfig.from(p, Map.of())).getMessage();
    }
}
