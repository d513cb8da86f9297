package dev.ddtstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the registry protocol: content types, authentication, extra headers,
 * timeouts, fail-over between base URLs and error answers.
 */
final class RegistryHttp {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttp.class);

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** What Confluent's own client accepts; plain JSON last, for compatible servers that answer it. */
    static final String ACCEPT = "application/vnd.schemaregistry.v1+json,"
            + " application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    /**
     * One JDK client per connect timeout for the whole JVM: each {@link HttpClient} owns a
     * selector thread that Java 17 cannot close, and Kafka creates one serializer (hence one
     * registry client) per configured serde. Nothing per-registry lives in the HttpClient;
     * credentials and headers travel on each request.
     */
    private static final Map<Duration, HttpClient> TRANSPORTS = new ConcurrentHashMap<>();

    private final ObjectMapper json;
    private final List<String> baseUrls;
    private final Map<String, String> headers;
    private final Duration requestTimeout;
    private final HttpClient http;
    /** Index of the base URL that answered last; requests start there so a dead URL costs once. */
    private final AtomicInteger preferred = new AtomicInteger();

    RegistryHttp(ObjectMapper json, List<String> baseUrls, String authorization,
                 Map<String, String> extraHeaders, Duration connectTimeout, Duration requestTimeout) {
        this.json = json;
        this.baseUrls = List.copyOf(baseUrls);
        Map<String, String> all = new LinkedHashMap<>(extraHeaders);
        if (authorization != null) {
            all.put("Authorization", authorization);
        }
        this.headers = Map.copyOf(all);
        this.requestTimeout = requestTimeout;
        this.http = TRANSPORTS.computeIfAbsent(connectTimeout, timeout -> HttpClient.newBuilder()
                // Plain HTTP/1.1: the h2c upgrade the JDK would otherwise attempt on http:// URLs
                // is not understood by every registry or proxy in front of one.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build());
    }

    /** Encodes one path segment (a subject): spaces as %20, '/' as %2F. */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    List<String> baseUrls() {
        return baseUrls;
    }

    JsonNode get(String path, String operation) {
        return send("GET", path, null, operation);
    }

    JsonNode post(String path, JsonNode body, String operation) {
        return send("POST", path, body, operation);
    }

    JsonNode put(String path, JsonNode body, String operation) {
        return send("PUT", path, body, operation);
    }

    private JsonNode send(String method, String path, JsonNode body, String operation) {
        byte[] payload = body == null ? null : toBytes(body);
        int start = preferred.get();
        List<String> failures = new ArrayList<>();
        IOException lastFailure = null;
        for (int attempt = 0; attempt < baseUrls.size(); attempt++) {
            int index = (start + attempt) % baseUrls.size();
            URI uri = URI.create(baseUrls.get(index) + path);
            try {
                HttpResponse<String> response = http.send(request(method, uri, payload),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                preferred.compareAndSet(start, index);
                return answer(response, operation, method + " " + uri);
            } catch (IOException e) {
                lastFailure = e;
                failures.add(uri + " (" + describe(e) + ")");
                if (attempt + 1 < baseUrls.size()) {
                    LOG.warn("Schema Registry at {} unreachable ({}), trying the next URL", uri, describe(e));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(operation + " interrupted", e);
            }
        }
        throw new RegistryUnreachableException(
                operation + " failed: no Schema Registry answered; tried " + String.join(", ", failures),
                lastFailure);
    }

    private HttpRequest request(String method, URI uri, byte[] payload) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Accept", ACCEPT)
                .method(method, payload == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(payload));
        if (payload != null) {
            builder.header("Content-Type", CONTENT_TYPE);
        }
        headers.forEach(builder::header);
        return builder.build();
    }

    private JsonNode answer(HttpResponse<String> response, String operation, String request) {
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw RegistryErrors.fromResponse(json, operation, request, status, response.body());
        }
        LOG.debug("{} -> {}", request, status);
        String body = response.body();
        if (body == null || body.isBlank()) {
            return json.nullNode();
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new SchemaRegistryException(operation + " failed: the answer of " + request
                    + " is not JSON: " + e.getMessage(), status, 0, e);
        }
    }

    private byte[] toBytes(JsonNode body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }

    /** The JDK's messages are often null (e.g. ConnectException); name the type at least. */
    private static String describe(IOException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
