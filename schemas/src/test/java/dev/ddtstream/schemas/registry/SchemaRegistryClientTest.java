package dev.ddtstream.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaRegistryClientTest {

    static final Schema ORDER_V1 = SchemaBuilder.record("Order").namespace("test.registry").fields()
            .requiredString("id").requiredInt("quantity").endRecord();
    /** Adds a field with a default: BACKWARD compatible with v1. */
    static final Schema ORDER_V2 = SchemaBuilder.record("Order").namespace("test.registry").fields()
            .requiredString("id").requiredInt("quantity").name("note").type().stringType().stringDefault("")
            .endRecord();
    /** Adds a field without default: not BACKWARD compatible with v1. */
    static final Schema ORDER_BROKEN = SchemaBuilder.record("Order").namespace("test.registry").fields()
            .requiredString("id").requiredInt("quantity").requiredLong("createdAt").endRecord();

    FakeSchemaRegistry registry;
    SchemaRegistryClient client;

    @BeforeEach
    void start() throws Exception {
        registry = FakeSchemaRegistry.start();
        client = SchemaRegistryClient.create(registry.url());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void registerReturnsTheIdAndPostsOnlyOnceAgainstFakeRegistry() {
        int id = client.register("orders-value", ORDER_V1);

        assertEquals(id, client.register("orders-value", ORDER_V1));
        assertEquals(1, registry.count("POST", "/subjects/orders-value/versions"));
        assertEquals(List.of("orders-value"), registry.subjects());
        FakeSchemaRegistry.Request post = registry.lastRequest();
        assertEquals("application/vnd.schemaregistry.v1+json", post.header("Content-Type"));
        assertTrue(post.header("Accept").startsWith("application/vnd.schemaregistry.v1+json"), post.header("Accept"));
        assertEquals("{\"schema\":" + jsonString(ORDER_V1.toString()) + "}", post.body(),
                "AVRO is the default schemaType, so it is left out");
    }

    @Test
    void getByIdFetchesOnceThenServesFromCacheAgainstFakeRegistry() {
        int id = registry.registerDirectly("orders-value", ORDER_V1);

        assertEquals(ORDER_V1, client.getById(id));
        assertEquals(ORDER_V1, client.getById(id));
        assertEquals(1, registry.count("GET", "/schemas/ids/" + id));
    }

    @Test
    void registeredSchemaNeedsNoFetchByIdAgainstFakeRegistry() {
        int id = client.register("orders-value", ORDER_V1);

        assertEquals(ORDER_V1, client.getById(id));
        assertEquals(0, registry.count("GET", "/schemas/ids/"));
    }

    @Test
    void unknownIdIsSchemaNotFoundAgainstFakeRegistry() {
        SchemaNotFoundException e = assertThrows(SchemaNotFoundException.class, () -> client.getById(4242));

        assertEquals(404, e.httpStatus());
        assertEquals(40403, e.errorCode());
        assertTrue(e.getMessage().contains("4242"), e.getMessage());
        assertFalse(e.isRetriable());
    }

    @Test
    void versionsAndLatestVersionAgainstFakeRegistry() {
        int v1 = client.register("orders-value", ORDER_V1);
        int v2 = client.register("orders-value", ORDER_V2);

        assertEquals(List.of(1, 2), client.versions("orders-value"));
        assertEquals(new RegisteredSchema("orders-value", v2, 2, ORDER_V2), client.latestVersion("orders-value"));
        assertEquals(new RegisteredSchema("orders-value", v1, 1, ORDER_V1), client.version("orders-value", 1));
    }

    @Test
    void unknownSubjectAndVersionAreTypedAgainstFakeRegistry() {
        client.register("orders-value", ORDER_V1);

        SubjectNotFoundException noSubject = assertThrows(SubjectNotFoundException.class,
                () -> client.versions("nothing-value"));
        assertEquals(40401, noSubject.errorCode());
        assertTrue(noSubject.getMessage().contains("nothing-value"), noSubject.getMessage());
        VersionNotFoundException noVersion = assertThrows(VersionNotFoundException.class,
                () -> client.version("orders-value", 7));
        assertEquals(40402, noVersion.errorCode());
        SchemaRegistryException invalid = assertThrows(SchemaRegistryException.class,
                () -> client.version("orders-value", 0));
        assertEquals(42202, invalid.errorCode());
        assertEquals(422, invalid.httpStatus());
    }

    @Test
    void lookupFindsRegisteredSchemaWithoutRegisteringAgainstFakeRegistry() {
        int id = registry.registerDirectly("orders-value", ORDER_V1);

        assertEquals(id, client.lookup("orders-value", ORDER_V1));
        assertEquals(id, client.lookup("orders-value", ORDER_V1));
        assertEquals(1, registry.count("POST", "/subjects/orders-value"));
        assertThrows(SchemaNotFoundException.class, () -> client.lookup("orders-value", ORDER_V2));
        assertThrows(SubjectNotFoundException.class, () -> client.lookup("other-value", ORDER_V1));
        assertEquals(List.of(1), client.versions("orders-value"));
    }

    @Test
    void isCompatibleAsksTheRegistryAgainstFakeRegistry() {
        client.register("orders-value", ORDER_V1);

        assertTrue(client.isCompatible("orders-value", ORDER_V2));
        assertFalse(client.isCompatible("orders-value", ORDER_BROKEN));
        assertEquals(2, registry.count("POST", "/compatibility/subjects/orders-value/versions/latest"));
    }

    @Test
    void incompatibleRegistrationParsesTheErrorBodyAgainstFakeRegistry() {
        client.register("orders-value", ORDER_V1);

        IncompatibleSchemaException e = assertThrows(IncompatibleSchemaException.class,
                () -> client.register("orders-value", ORDER_BROKEN));
        assertEquals(409, e.httpStatus());
        assertEquals(409, e.errorCode());
        assertTrue(e.getMessage().contains("incompatible with an earlier schema"), e.getMessage());
        assertTrue(e.getMessage().contains("orders-value"), e.getMessage());
    }

    @Test
    void invalidSchemaParsesTheErrorBodyAgainstFakeRegistry() {
        registry.answerNext(422, "{\"error_code\":42201,\"message\":\"Invalid schema: bad default\"}");

        InvalidSchemaException e = assertThrows(InvalidSchemaException.class,
                () -> client.register("orders-value", ORDER_V1));
        assertEquals(42201, e.errorCode());
        assertEquals(422, e.httpStatus());
        assertTrue(e.getMessage().contains("Invalid schema: bad default"), e.getMessage());
    }

    @Test
    void serverErrorIsGenericAndRetriableAgainstFakeRegistry() {
        registry.answerNext(500, "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}");

        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.getById(1));
        assertEquals(SchemaRegistryException.class, e.getClass());
        assertEquals(50001, e.errorCode());
        assertTrue(e.isRetriable());
        assertTrue(e.getMessage().contains("backend data store"), e.getMessage());
    }

    @Test
    void registrationIsRetriedAfterAServerErrorAgainstFakeRegistry() {
        registry.answerNext(500, "{\"error_code\":50001,\"message\":\"Unique index or primary key violation\"}");

        int id = client.register("orders-value", ORDER_V1);

        assertEquals(id, SchemaRegistryClient.create(registry.url()).lookup("orders-value", ORDER_V1));
    }

    @Test
    void registrationLosingARaceWithConflictIsRetriedOnceAgainstFakeRegistry() {
        registry.answerNext(409, "{\"error_code\":409,\"message\":\"An artifact with ID 'orders-value' already exists.\"}");

        int id = client.register("orders-value", ORDER_V1);

        assertEquals(id, SchemaRegistryClient.create(registry.url()).lookup("orders-value", ORDER_V1));
    }

    @Test
    void registrationGivesUpAfterThreeServerErrorsAgainstFakeRegistry() {
        for (int i = 0; i < 3; i++) {
            registry.answerNext(500, "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}");
        }

        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.register("orders-value", ORDER_V1));
        assertEquals(500, e.httpStatus());
        assertThrows(SubjectNotFoundException.class,
                () -> SchemaRegistryClient.create(registry.url()).lookup("orders-value", ORDER_V1));
    }

    @Test
    void errorWithoutJsonBodyKeepsStatusAgainstFakeRegistry() {
        registry.answerNext(502, "<html><body>Bad Gateway</body></html>");

        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.getById(1));
        assertEquals(502, e.httpStatus());
        assertEquals(502, e.errorCode());
        assertTrue(e.getMessage().contains("Bad Gateway"), e.getMessage());
    }

    @Test
    void compatibilityLevelsGlobalAndPerSubjectAgainstFakeRegistry() {
        client.register("orders-value", ORDER_V1);

        assertEquals("BACKWARD", client.compatibility(null));
        assertEquals("BACKWARD", client.compatibility("orders-value"), "falls back to the global level");
        assertEquals("NONE", client.setCompatibility("orders-value", "NONE"));
        assertEquals("NONE", client.compatibility("orders-value"));
        assertEquals("FULL", client.setCompatibility(null, "FULL"));
        assertEquals("FULL", client.compatibility(null));
        assertEquals(1, registry.count("PUT", "/config/orders-value"));
        // NONE now lets the incompatible schema in.
        assertNotEquals(client.register("orders-value", ORDER_V1), client.register("orders-value", ORDER_BROKEN));
    }

    @Test
    void subjectWithoutOwnLevelFallsBackToGlobalOnOlderRegistriesAgainstFakeRegistry() {
        // A registry that ignores defaultToGlobal answers 40408 for a subject without its own level.
        registry.answerNext(404, "{\"error_code\":40408,\"message\":\"Subject 'x-value' does not have"
                + " subject-level compatibility configured\"}");

        assertEquals("BACKWARD", client.compatibility("x-value"));
        assertEquals(1, registry.count("GET", "/config/x-value"));
        assertEquals(1, registry.count("GET", "/config") - registry.count("GET", "/config/"));
    }

    @Test
    void subjectIsUrlEncodedAgainstFakeRegistry() {
        String subject = "odd topic/with+chars-value";
        client.register(subject, ORDER_V1);

        assertEquals(List.of(subject), registry.subjects());
        assertEquals(List.of(1), client.versions(subject));
        assertEquals("/subjects/odd%20topic%2Fwith%2Bchars-value/versions", registry.lastRequest().rawPath());
    }

    @Test
    void basicAuthHeaderSentAgainstFakeRegistry() {
        registry.requireBasicAuth("alice:s3cret");

        SchemaRegistryException refused = assertThrows(SchemaRegistryException.class,
                () -> client.register("orders-value", ORDER_V1));
        assertEquals(401, refused.httpStatus());

        SchemaRegistryClient authed = SchemaRegistryClient.builder(registry.url()).basicAuth("alice:s3cret").build();
        authed.register("orders-value", ORDER_V1);
        assertEquals("Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)),
                registry.lastRequest().header("Authorization"));
    }

    @Test
    void extraHeadersSentAgainstFakeRegistry() {
        SchemaRegistryClient withHeaders = SchemaRegistryClient.builder(registry.url())
                .header("X-Tenant", "ddt").build();

        withHeaders.register("orders-value", ORDER_V1);
        assertEquals("ddt", registry.lastRequest().header("X-Tenant"));
    }

    @Test
    void baseUrlWithPathPrefixAgainstFakeRegistry() throws Exception {
        try (FakeSchemaRegistry ccompat = FakeSchemaRegistry.start("/apis/ccompat/v7")) {
            SchemaRegistryClient apicurioStyle = SchemaRegistryClient.create(ccompat.url() + "/");

            int id = apicurioStyle.register("orders-value", ORDER_V1);
            assertEquals("/subjects/orders-value/versions", ccompat.lastRequest().path());
            assertEquals(ORDER_V1, SchemaRegistryClient.create(ccompat.url()).getById(id));
        }
    }

    @Test
    void unreachableRegistryNamesTheUrl() throws Exception {
        String closed = FakeSchemaRegistry.closedPortUrl();
        SchemaRegistryClient nowhere = SchemaRegistryClient.builder(closed)
                .connectTimeout(Duration.ofSeconds(2)).build();

        RegistryUnreachableException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(RegistryUnreachableException.class, () -> nowhere.getById(1)));
        assertTrue(e.getMessage().contains(closed + "/schemas/ids/1"), e.getMessage());
        assertTrue(e.isRetriable());
        assertEquals(SchemaRegistryException.NO_RESPONSE, e.httpStatus());
    }

    @Test
    void slowRegistryTimesOutAsUnreachableAgainstFakeRegistry() {
        registry.delayAnswers(Duration.ofSeconds(3));
        SchemaRegistryClient impatient = SchemaRegistryClient.builder(registry.url())
                .requestTimeout(Duration.ofMillis(300)).build();

        RegistryUnreachableException e = assertTimeoutPreemptively(Duration.ofSeconds(3),
                () -> assertThrows(RegistryUnreachableException.class, () -> impatient.getById(1)));
        assertTrue(e.getMessage().contains("Timeout"), e.getMessage());
    }

    @Test
    void failsOverToTheNextUrlAgainstFakeRegistry() throws Exception {
        String closed = FakeSchemaRegistry.closedPortUrl();
        SchemaRegistryClient twoUrls = SchemaRegistryClient.create(closed + ", " + registry.url());

        int id = twoUrls.register("orders-value", ORDER_V1);
        assertEquals(List.of(closed, registry.url()), twoUrls.baseUrls());
        assertEquals(List.of(1), twoUrls.versions("orders-value"));
        assertEquals(ORDER_V1, SchemaRegistryClient.create(registry.url()).getById(id));
        assertEquals(1, registry.count("POST", "/subjects/orders-value/versions"));
    }

    @Test
    void builderRejectsNonHttpUrls() {
        assertThrows(IllegalArgumentException.class, () -> SchemaRegistryClient.create("localhost:8081"));
        assertThrows(IllegalArgumentException.class, () -> SchemaRegistryClient.create(" , "));
        assertThrows(IllegalArgumentException.class,
                () -> SchemaRegistryClient.builder("http://h:1").basicAuth("no-colon"));
    }

    private static String jsonString(String text) {
        return new TextNode(text).toString();
    }
}
