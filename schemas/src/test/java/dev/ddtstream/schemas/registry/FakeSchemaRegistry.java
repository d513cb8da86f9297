package dev.ddtstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * An in-memory stand-in for Confluent Schema Registry, on a JDK {@link HttpServer} bound to
 * 127.0.0.1 on a free port. It mimics the endpoints our client uses, with Confluent's answers
 * and error codes (40401, 40402, 40403, 409, 42201, 42202, 40408), checks BACKWARD/FORWARD/FULL
 * compatibility with Avro's own rules, and records every request so tests can count them.
 * Tests using it say so in their name ({@code ...AgainstFakeRegistry}).
 */
public final class FakeSchemaRegistry implements AutoCloseable {

    /** One request as received. {@code path} is relative to the context path, decoded. */
    public record Request(String method, String path, String rawPath, String query,
                          Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final String contextPath;
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    // Registry state, guarded by "this".
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<Schema, Integer> idsBySchema = new HashMap<>();
    private final Map<String, List<Integer>> subjects = new LinkedHashMap<>();
    private final Map<String, String> subjectLevels = new HashMap<>();
    private String globalLevel = "BACKWARD";
    private int nextId = 1;
    private final Deque<int[]> cannedStatuses = new ArrayDeque<>();
    private final Deque<String> cannedBodies = new ArrayDeque<>();
    private String requiredAuthorization;
    private volatile Duration delay = Duration.ZERO;

    private FakeSchemaRegistry(String contextPath) throws IOException {
        this.contextPath = contextPath.endsWith("/") ? contextPath.substring(0, contextPath.length() - 1) : contextPath;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(this.contextPath.isEmpty() ? "/" : this.contextPath, this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static FakeSchemaRegistry start() throws IOException {
        return new FakeSchemaRegistry("");
    }

    /** A registry under a path, like Apicurio's {@code /apis/ccompat/v7}. */
    public static FakeSchemaRegistry start(String contextPath) throws IOException {
        return new FakeSchemaRegistry(contextPath);
    }

    /** A URL on which nothing listens: connections are refused. */
    public static String closedPortUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + contextPath;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Requests with this method whose decoded path starts with {@code pathPrefix}. */
    public long count(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).count();
    }

    public Request lastRequest() {
        return requests.get(requests.size() - 1);
    }

    /** From now on, answer 401 unless the request carries basic auth for {@code userInfo}. */
    public synchronized void requireBasicAuth(String userInfo) {
        requiredAuthorization = "Basic " + Base64.getEncoder()
                .encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** The next request gets this answer whatever it asks (then normal service resumes). */
    public synchronized void answerNext(int status, String body) {
        cannedStatuses.add(new int[] {status});
        cannedBodies.add(body);
    }

    /** Every answer waits this long first (to provoke client timeouts). */
    public void delayAnswers(Duration delay) {
        this.delay = delay;
    }

    /** Registers without HTTP (test set-up that must not count as client traffic). */
    public synchronized int registerDirectly(String subject, Schema schema) {
        int id = idOf(schema);
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    public synchronized List<String> subjects() {
        return List.copyOf(subjects.keySet());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String rawPath = exchange.getRequestURI().getRawPath().substring(contextPath.length());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            String[] segments = Arrays.stream(rawPath.split("/")).filter(s -> !s.isEmpty())
                    .map(s -> URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8))
                    .toArray(String[]::new);
            Request request = new Request(exchange.getRequestMethod(), "/" + String.join("/", segments),
                    rawPath, exchange.getRequestURI().getRawQuery(), headers, body);
            requests.add(request);
            if (!delay.isZero()) {
                Thread.sleep(delay.toMillis());
            }
            Answer answer = answer(request, segments);
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private record Answer(int status, String body, String contentType) {
    }

    private synchronized Answer answer(Request request, String[] path) {
        if (!cannedStatuses.isEmpty()) {
            String body = cannedBodies.poll();
            return new Answer(cannedStatuses.poll()[0], body,
                    body.startsWith("{") ? CONTENT_TYPE : "text/html");
        }
        if (requiredAuthorization != null && !requiredAuthorization.equals(request.header("Authorization"))) {
            return error(401, 401, "Unauthorized");
        }
        if (!request.body().isEmpty() && !CONTENT_TYPE.equals(request.header("Content-Type"))) {
            return error(415, 415, "HTTP 415 Unsupported Media Type");
        }
        try {
            return route(request, path);
        } catch (IOException e) {
            return error(500, 50005, "Unexpected request body: " + e.getMessage());
        }
    }

    private Answer route(Request request, String[] path) throws IOException {
        String method = request.method();
        if (method.equals("GET") && path.length == 3 && path[0].equals("schemas") && path[1].equals("ids")) {
            Schema schema = schemasById.get(Integer.parseInt(path[2]));
            return schema == null ? error(404, 40403, "Schema " + path[2] + " not found")
                    : ok(json.createObjectNode().put("schema", schema.toString()));
        }
        if (path.length >= 2 && path[0].equals("subjects")) {
            return subjectRoute(request, path[1], Arrays.copyOfRange(path, 2, path.length));
        }
        if (method.equals("POST") && path.length == 5 && path[0].equals("compatibility")) {
            List<Integer> versions = subjects.get(path[2]);
            if (versions == null) {
                return error(404, 40401, "Subject '" + path[2] + "' not found.");
            }
            Schema candidate = parse(request.body());
            if (candidate == null) {
                return error(422, 42201, "Invalid schema");
            }
            boolean compatible = incompatibility(path[2], candidate) == null;
            return ok(json.createObjectNode().put("is_compatible", compatible));
        }
        if (path.length >= 1 && path.length <= 2 && path[0].equals("config")) {
            return configRoute(request, path.length == 2 ? path[1] : null);
        }
        return error(404, 404, "HTTP 404 Not Found");
    }

    private Answer subjectRoute(Request request, String subject, String[] rest) throws IOException {
        List<Integer> versions = subjects.get(subject);
        String method = request.method();
        if (method.equals("POST") && rest.length == 1 && rest[0].equals("versions")) {
            Schema schema = parse(request.body());
            if (schema == null) {
                return error(422, 42201, "Either the input schema or one its references is invalid");
            }
            String problem = incompatibility(subject, schema);
            if (problem != null) {
                return error(409, 409, "Schema being registered is incompatible with an earlier schema for"
                        + " subject \"" + subject + "\", details: " + problem);
            }
            return ok(json.createObjectNode().put("id", registerDirectly(subject, schema)));
        }
        if (method.equals("POST") && rest.length == 0) {
            if (versions == null) {
                return error(404, 40401, "Subject '" + subject + "' not found.");
            }
            Schema schema = parse(request.body());
            Integer id = schema == null ? null : idsBySchema.get(schema);
            if (id == null || !versions.contains(id)) {
                return error(404, 40403, "Schema not found");
            }
            return ok(version(subject, versions.indexOf(id) + 1, id));
        }
        if (method.equals("GET") && rest.length == 1 && rest[0].equals("versions")) {
            if (versions == null) {
                return error(404, 40401, "Subject '" + subject + "' not found.");
            }
            ArrayNode list = json.createArrayNode();
            for (int v = 1; v <= versions.size(); v++) {
                list.add(v);
            }
            return ok(list);
        }
        if (method.equals("GET") && rest.length == 2 && rest[0].equals("versions")) {
            int version;
            try {
                version = rest[1].equals("latest") ? -1 : Integer.parseInt(rest[1]);
            } catch (NumberFormatException e) {
                version = 0;
            }
            if (version == 0 || version < -1) {
                return error(422, 42202, "The specified version '" + rest[1] + "' is not a valid version id."
                        + " Allowed values are between [1, 2^31-1] and the string \"latest\"");
            }
            if (versions == null) {
                return error(404, 40401, "Subject '" + subject + "' not found.");
            }
            int actual = version == -1 ? versions.size() : version;
            if (actual > versions.size()) {
                return error(404, 40402, "Version " + version + " not found.");
            }
            return ok(version(subject, actual, versions.get(actual - 1)));
        }
        return error(405, 405, "HTTP 405 Method Not Allowed");
    }

    private Answer configRoute(Request request, String subject) throws IOException {
        if (request.method().equals("PUT")) {
            String level = json.readTree(request.body()).path("compatibility").asText();
            if (subject == null) {
                globalLevel = level;
            } else {
                subjectLevels.put(subject, level);
            }
            return ok(json.createObjectNode().put("compatibility", level));
        }
        String level = subject == null ? globalLevel : subjectLevels.get(subject);
        if (level == null && request.query() != null && request.query().contains("defaultToGlobal=true")) {
            level = globalLevel;
        }
        return level == null
                ? error(404, 40408, "Subject '" + subject + "' does not have subject-level compatibility configured")
                : ok(json.createObjectNode().put("compatibilityLevel", level));
    }

    private ObjectNode version(String subject, int version, int id) {
        return json.createObjectNode().put("subject", subject).put("version", version).put("id", id)
                .put("schema", schemasById.get(id).toString());
    }

    /** Null when compatible, else what Avro found wrong. */
    private String incompatibility(String subject, Schema candidate) {
        List<Integer> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            return null;
        }
        String level = subjectLevels.getOrDefault(subject, globalLevel);
        if (level.equals("NONE")) {
            return null;
        }
        List<Integer> against = level.endsWith("_TRANSITIVE") ? versions : List.of(versions.get(versions.size() - 1));
        for (int id : against) {
            Schema existing = schemasById.get(id);
            if (level.startsWith("BACKWARD") || level.startsWith("FULL")) {
                String problem = check(candidate, existing);
                if (problem != null) {
                    return problem;
                }
            }
            if (level.startsWith("FORWARD") || level.startsWith("FULL")) {
                String problem = check(existing, candidate);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static String check(Schema reader, Schema writer) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        return result.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE ? null
                : result.getResult().getIncompatibilities().toString();
    }

    private Schema parse(String body) throws IOException {
        JsonNode request = json.readTree(body);
        if (!request.path("schemaType").asText("AVRO").equals("AVRO")) {
            return null;
        }
        try {
            return new Schema.Parser().parse(request.path("schema").asText());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private int idOf(Schema schema) {
        return idsBySchema.computeIfAbsent(schema, s -> {
            int id = nextId++;
            schemasById.put(id, s);
            return id;
        });
    }

    private Answer ok(JsonNode body) throws IOException {
        return new Answer(200, json.writeValueAsString(body), CONTENT_TYPE);
    }

    private Answer error(int status, int errorCode, String message) {
        ObjectNode body = json.createObjectNode().put("error_code", errorCode).put("message", message);
        return new Answer(status, body.toString(), CONTENT_TYPE);
    }
}
