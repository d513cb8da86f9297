package dev.ddtstream.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaRegistryConfigTest {

    static final Schema NAME = Schema.create(Schema.Type.STRING);

    FakeSchemaRegistry registry;

    @BeforeEach
    void start() throws Exception {
        registry = FakeSchemaRegistry.start();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void userInfoCredentialsAndHeadersFromConfigAgainstFakeRegistry() {
        SchemaRegistryClient client = SchemaRegistryConfig.clientFrom(Map.of(
                "schema.registry.url", registry.url(),
                "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "bob:pw",
                "request.header.X-Trace", "on"));

        client.register("names-value", NAME);
        assertEquals(basic("bob:pw"), registry.lastRequest().header("Authorization"));
        assertEquals("on", registry.lastRequest().header("X-Trace"));
    }

    @Test
    void urlCredentialsAreTakenOutOfTheUrlAgainstFakeRegistry() {
        String url = registry.url().replace("http://", "http://carol:pw2@");
        SchemaRegistryClient client = SchemaRegistryConfig.clientFrom(Map.of(
                "schema.registry.url", List.of(url),
                "basic.auth.credentials.source", "URL"));

        client.register("names-value", NAME);
        assertEquals(basic("carol:pw2"), registry.lastRequest().header("Authorization"));
        assertEquals(List.of(registry.url()), client.baseUrls());
    }

    @Test
    void userInfoWithoutSourceSendsNoCredentialsAgainstFakeRegistry() {
        SchemaRegistryConfig.clientFrom(Map.of("schema.registry.url", registry.url(), "basic.auth.user.info", "x:y"))
                .register("names-value", NAME);
        assertNull(registry.lastRequest().header("Authorization"));
    }

    @Test
    void badConfigurationIsAConfigException() {
        assertThrows(ConfigException.class, () -> SchemaRegistryConfig.clientFrom(Map.of()));
        assertThrows(ConfigException.class, () -> SchemaRegistryConfig.clientFrom(Map.of(
                "schema.registry.url", "http://h:1", "basic.auth.credentials.source", "SASL_INHERIT")));
        assertThrows(ConfigException.class, () -> SchemaRegistryConfig.clientFrom(Map.of(
                "schema.registry.url", "http://h:1", "basic.auth.credentials.source", "USER_INFO")));
        assertThrows(ConfigException.class, () -> SchemaRegistryConfig.clientFrom(Map.of(
                "schema.registry.url", "ftp://h:1")));
        assertThrows(ConfigException.class, () -> SchemaRegistryConfig.clientFrom(Map.of(
                "schema.registry.url", "http://h:1", "http.read.timeout.ms", "soon")));
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }
}
