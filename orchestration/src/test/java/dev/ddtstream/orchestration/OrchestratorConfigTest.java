package dev.ddtstream.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class OrchestratorConfigTest {

    private static Properties minimal() {
        Properties p = new Properties();
        p.setProperty("kafka.bootstrap.servers", "127.0.0.1:9092");
        p.setProperty("schema.registry.url", "http://127.0.0.1:8081");
        return p;
    }

    @Test
    void defaultsNameTheApplicationAfterItsFlowAndBindLoopback() {
        OrchestratorConfig c = OrchestratorConfig.from(minimal(), Map.of(), "captioner");
        assertEquals("ddt-captioner", c.applicationId());
        assertEquals("127.0.0.1", c.httpHost());
        assertEquals(Duration.ofMinutes(60), c.retention());
        assertEquals(RequestLimits.defaults(), c.limits());
    }

    @Test
    void environmentOverridesAndSecurityPropertiesPassThrough() {
        Properties p = minimal();
        p.setProperty("kafka.security.protocol", "SASL_SSL");
        OrchestratorConfig c = OrchestratorConfig.from(p, Map.of("DDT_LIMITS_PROMPT_WORDS", "12",
                "DDT_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "DDT_BASIC_AUTH_USER_INFO", "u:p", "DDT_HTTP_PORT", "8099"), "generator");
        assertEquals(12, c.limits().promptWords());
        assertEquals(8099, c.httpPort());
        assertEquals("SASL_SSL", c.clientProperties().get("security.protocol"));
        assertEquals("SCRAM-SHA-512", c.clientProperties().get("sasl.mechanism"));
        assertEquals("u:p", c.clientProperties().get("basic.auth.user.info"));
    }

    @Test
    void badValuesNameTheirKey() {
        Properties p = minimal();
        p.setProperty("payload.max-bytes", "lots");
        String m = assertThrows(IllegalArgumentException.class, () -> OrchestratorConfig.from(p, Map.of(), "generator")).getMessage();
        assertTrue(m.contains("payload.max-bytes"), m);
        Properties q = minimal();
        q.remove("schema.registry.url");
        m = assertThrows(IllegalArgumentException.class, () -> OrchestratorConfig.from(q, Map.of(), "generator")).getMessage();
        assertTrue(m.contains("schema.registry.url is required"), m);
    }
}
