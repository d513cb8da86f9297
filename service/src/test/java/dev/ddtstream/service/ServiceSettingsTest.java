package dev.ddtstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ServiceSettingsTest {

    private static Properties file() {
        Properties p = new Properties();
        p.setProperty("kafka.bootstrap.servers", "127.0.0.1:9092");
        p.setProperty("schema.registry.url", "http://127.0.0.1:8081");
        p.setProperty("port", "8080");
        p.setProperty("ratio", " 0.5 ");
        return p;
    }

    @Test
    void theEnvironmentOverridesTheFileForTheServicesKeysKafkaAndTheRegistry() {
        ServiceSettings s = ServiceSettings.of(file(), Map.of("DDT_PORT", "9090", "DDT_OTHER", "ignored",
                "DDT_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "DDT_BASIC_AUTH_USER_INFO", "u:p"), List.of("port", "state.dir"));
        assertEquals(9090, s.port("port", 1));
        assertEquals(0.5f, s.decimal("ratio", 1f), "values are trimmed");
        assertEquals("fallback", s.text("other", "fallback"), "an unknown key's variable is not read");
        assertEquals(Map.of("bootstrap.servers", "127.0.0.1:9092", "security.protocol", "SASL_SSL",
                "schema.registry.url", "http://127.0.0.1:8081", "basic.auth.user.info", "u:p"), s.clientProperties());
        assertEquals(Path.of("/x"), ServiceSettings.of(file(), Map.of("DDT_STATE_DIR", "/x"), List.of("state.dir")).path("state.dir").orElseThrow());
    }

    @Test
    void everyBadValueNamesItsKey() {
        Properties p = file();
        p.setProperty("threads", "many");
        p.setProperty("flag", "yes");
        p.setProperty("port", "70000");
        ServiceSettings s = ServiceSettings.of(p, Map.of(), List.of());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.integer("threads", 1)).getMessage().contains("threads = 'many'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.flag("flag", true)).getMessage().contains("flag = 'yes'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.port("port", 1)).getMessage().contains("port"));
        String group = assertThrows(IllegalArgumentException.class, () -> s.group("pool", () -> {
            throw new IllegalArgumentException("workers must be positive");
        })).getMessage();
        assertEquals("configuration pool.*: workers must be positive", group);
    }

    @Test
    void theClientPropertiesNeedABrokerAndARegistry() {
        Properties p = file();
        p.remove("schema.registry.url");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServiceSettings.of(p, Map.of(), List.of()).clientProperties())
                .getMessage().contains("schema.registry.url is required"));
    }
}
