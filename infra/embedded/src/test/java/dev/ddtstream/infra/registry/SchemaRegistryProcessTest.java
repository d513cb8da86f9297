package dev.ddtstream.infra.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumingThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddtstream.infra.net.ListeningSockets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaRegistryProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String SCHEMA =
            "{\"type\":\"record\",\"name\":\"Ping\",\"namespace\":\"dev.ddtstream.test\",\"fields\":[{\"name\":\"n\",\"type\":\"int\"}]}";
    private static final String INCOMPATIBLE =
            "{\"type\":\"record\",\"name\":\"Ping\",\"namespace\":\"dev.ddtstream.test\",\"fields\":[{\"name\":\"n\",\"type\":\"int\"},{\"name\":\"m\",\"type\":\"int\"}]}";

    @Test
    void servesTheConfluentApiOnLoopbackOnlyWithBackwardCompatibilityAndStopsOnClose() throws Exception {
        long pid;
        try (SchemaRegistryProcess registry = SchemaRegistryProcess.start(SchemaRegistryProcess.locateJar())) {
            pid = registry.pid();
            URI base = URI.create(registry.url());
            assertEquals("127.0.0.1", base.getHost());
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

            if (ListeningSockets.supported()) {
                assertEquals(List.of(), ListeningSockets.beyondLoopback(pid));
            }
            List<InetAddress> others = nonLoopbackAddresses();
            assumingThat(!others.isEmpty(), () -> {
                for (InetAddress address : others) {
                    try (Socket socket = new Socket()) {
                        assertThrows(IOException.class,
                                () -> socket.connect(new InetSocketAddress(address, base.getPort()), 1000),
                                "registry port reachable on " + address);
                    }
                }
            });

            assertEquals("BACKWARD", get(registry.url() + "/config").path("compatibilityLevel").asText());

            HttpResponse<String> registered = post(registry.url() + "/subjects/x/versions", SCHEMA);
            assertEquals(200, registered.statusCode(), registered.body());
            int id = JSON.readTree(registered.body()).path("id").asInt();
            JsonNode byId = get(registry.url() + "/schemas/ids/" + id);
            // Compared as JSON: the registry answers with its canonical form of the schema (keys sorted).
            assertEquals(JSON.readTree(SCHEMA), JSON.readTree(byId.path("schema").asText()));

            // BACKWARD is in force: a new field without a default cannot be read from old records.
            HttpResponse<String> rejected = post(registry.url() + "/subjects/x/versions", INCOMPATIBLE);
            assertEquals(409, rejected.statusCode(), rejected.body());
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "registry process " + pid + " still alive");
    }

    @Test
    void aRegistryOnAStorageDirectoryKeepsEveryIdAcrossARestart(@TempDir Path storage) throws Exception {
        int id;
        try (SchemaRegistryProcess registry = SchemaRegistryProcess.start(SchemaRegistryProcess.locateJar(), storage)) {
            HttpResponse<String> registered = post(registry.url() + "/subjects/kept/versions", SCHEMA);
            assertEquals(200, registered.statusCode(), registered.body());
            id = JSON.readTree(registered.body()).path("id").asInt();
        }
        try (SchemaRegistryProcess again = SchemaRegistryProcess.start(SchemaRegistryProcess.locateJar(), storage)) {
            assertEquals(JSON.readTree(SCHEMA), JSON.readTree(get(again.url() + "/schemas/ids/" + id).path("schema").asText()),
                    "the id given before the restart still names the schema");
            assertEquals(List.of("kept"), List.of(JSON.readValue(get(again.url() + "/subjects").toString(), String[].class)));
        }
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> post(String url, String schema) throws Exception {
        String body = JSON.createObjectNode().put("schema", schema).toString();
        return HTTP.send(HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** This machine's addresses that other machines could reach, if it has any. */
    private static List<InetAddress> nonLoopbackAddresses() throws SocketException {
        return NetworkInterface.networkInterfaces()
                .filter(nic -> {
                    try {
                        return nic.isUp() && !nic.isLoopback();
                    } catch (SocketException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .toList();
    }
}
