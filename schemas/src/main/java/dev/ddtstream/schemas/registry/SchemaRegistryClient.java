package dev.ddtstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.errors.InterruptException;

/**
 * A client of the Confluent Schema Registry REST protocol (v1) for Avro schemas.
 *
 * <p>It speaks only the documented protocol (content type
 * {@code application/vnd.schemaregistry.v1+json}, error bodies
 * {@code {"error_code": ..., "message": ...}}), so the same client works against Confluent
 * Schema Registry, Karapace, Redpanda and Apicurio's Confluent-compatible API; for Apicurio
 * give the base URL with its prefix, e.g. {@code http://apicurio:8080/apis/ccompat/v7}.
 *
 * <p>Several base URLs may be given, comma-separated; a request goes to the one that answered
 * last and moves to the next only when a URL cannot be reached. HTTP error answers are not
 * retried elsewhere: every instance of one registry gives the same answer.
 *
 * <p>Schema ids are immutable in the registry, so {@link #getById(int)} answers and the ids of
 * {@link #register} and {@link #lookup} are cached (bounded); serializing the same schema again
 * costs no request. Nothing else is cached (versions and compatibility levels change).
 *
 * <p>Failures are unchecked {@link SchemaRegistryException}s, typed by the registry's error code:
 * {@link SubjectNotFoundException} (40401), {@link VersionNotFoundException} (40402),
 * {@link SchemaNotFoundException} (40403), {@link IncompatibleSchemaException} (409),
 * {@link InvalidSchemaException} (42201), {@link RegistryUnreachableException} (no answer).
 *
 * <p>Instances are thread-safe and meant to be shared. Schema references (a schema importing a
 * type registered under another subject) are not supported: schemas must be self-contained, as
 * {@code SCHEMA$} of a generated class always is.
 */
public final class SchemaRegistryClient {

    /** Tries of an idempotent call (register, lookup) that the registry answered with a server error. */
    private static final int IDEMPOTENT_ATTEMPTS = 3;

    /** Default bound of each cache (ids, and subject/schema pairs). */
    public static final int DEFAULT_CACHE_CAPACITY = 1000;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private static final String AVRO = "AVRO";

    private final ObjectMapper json = new ObjectMapper();
    private final RegistryHttp http;
    private final BoundedCache<Integer, Schema> schemasById;
    private final BoundedCache<SubjectSchema, Integer> idsBySubjectSchema;

    private SchemaRegistryClient(Builder builder) {
        this.http = new RegistryHttp(json, builder.baseUrls, builder.authorization,
                builder.headers, builder.connectTimeout, builder.requestTimeout);
        this.schemasById = new BoundedCache<>(builder.cacheCapacity);
        this.idsBySubjectSchema = new BoundedCache<>(builder.cacheCapacity);
    }

    /** A client with default timeouts, no credentials. */
    public static SchemaRegistryClient create(String baseUrls) {
        return builder(baseUrls).build();
    }

    /**
     * @param baseUrls one URL or several, comma-separated, e.g.
     *                 {@code http://127.0.0.1:8081} or {@code http://host/apis/ccompat/v7}
     */
    public static Builder builder(String baseUrls) {
        return new Builder(baseUrls);
    }

    /**
     * Registers {@code schema} under {@code subject} ({@code POST /subjects/{subject}/versions}),
     * or finds it if already registered, and returns its id. Cached: a pair registered once is
     * not posted again.
     *
     * @throws IncompatibleSchemaException if it breaks the subject's compatibility level
     * @throws InvalidSchemaException      if the registry finds the schema invalid
     */
    public int register(String subject, Schema schema) {
        return idFor(subject, schema, true);
    }

    /**
     * The id of {@code schema} if it is already registered under {@code subject}
     * ({@code POST /subjects/{subject}}); registers nothing. Cached like {@link #register}.
     *
     * @throws SubjectNotFoundException if the subject does not exist
     * @throws SchemaNotFoundException  if the subject exists but this schema is not in it
     */
    public int lookup(String subject, Schema schema) {
        return idFor(subject, schema, false);
    }

    /**
     * The schema with this registry-wide id ({@code GET /schemas/ids/{id}}), cached.
     *
     * @throws SchemaNotFoundException if the registry knows no such id
     */
    public Schema getById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        String operation = "fetch schema id " + id;
        JsonNode answer = http.get("/schemas/ids/" + id, operation);
        Schema schema = parseAvro(answer, operation);
        schemasById.put(id, schema);
        return schema;
    }

    /**
     * The versions of a subject, ascending ({@code GET /subjects/{subject}/versions}).
     *
     * @throws SubjectNotFoundException if the subject does not exist
     */
    public List<Integer> versions(String subject) {
        requireSubject(subject);
        JsonNode answer = http.get("/subjects/" + RegistryHttp.segment(subject) + "/versions",
                "list versions of subject '" + subject + "'");
        List<Integer> versions = new ArrayList<>();
        answer.forEach(version -> versions.add(version.asInt()));
        return List.copyOf(versions);
    }

    /**
     * One version of a subject ({@code GET /subjects/{subject}/versions/{version}}).
     *
     * @throws SubjectNotFoundException if the subject does not exist
     * @throws VersionNotFoundException if the subject has no such version
     * @throws SchemaRegistryException  with error code 42202 if the version is invalid (e.g. 0)
     */
    public RegisteredSchema version(String subject, int version) {
        return fetchVersion(subject, Integer.toString(version));
    }

    /** The latest version of a subject ({@code GET /subjects/{subject}/versions/latest}). */
    public RegisteredSchema latestVersion(String subject) {
        return fetchVersion(subject, "latest");
    }

    /**
     * Whether {@code schema} could be registered under {@code subject}, judged against the
     * latest version and the subject's compatibility level
     * ({@code POST /compatibility/subjects/{subject}/versions/latest}).
     *
     * @throws SubjectNotFoundException if the subject does not exist yet (Confluent, Karapace);
     *                                  any schema is then acceptable
     */
    public boolean isCompatible(String subject, Schema schema) {
        requireSubject(subject);
        Objects.requireNonNull(schema, "schema");
        JsonNode answer = http.post(
                "/compatibility/subjects/" + RegistryHttp.segment(subject) + "/versions/latest",
                schemaRequest(schema), "check compatibility of a schema with subject '" + subject + "'");
        return answer.path("is_compatible").asBoolean(false);
    }

    /**
     * The compatibility level (e.g. {@code BACKWARD}) of a subject, falling back to the global
     * level when the subject has none of its own; of the registry when {@code subject} is null
     * ({@code GET /config[/{subject}]}).
     */
    public String compatibility(String subject) {
        if (subject == null) {
            return level(http.get("/config", "read the global compatibility level"));
        }
        try {
            // defaultToGlobal: Confluent 7+ answers 40408 for a subject without its own level.
            return level(http.get("/config/" + RegistryHttp.segment(subject) + "?defaultToGlobal=true",
                    "read the compatibility level of subject '" + subject + "'"));
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == RegistryErrors.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED
                    || e.errorCode() == RegistryErrors.SUBJECT_NOT_FOUND) {
                return compatibility(null);
            }
            throw e;
        }
    }

    /**
     * Sets the compatibility level of a subject, or the global one when {@code subject} is null
     * ({@code PUT /config[/{subject}]}); returns the level the registry echoes.
     *
     * @param level one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE,
     *              FULL, FULL_TRANSITIVE
     */
    public String setCompatibility(String subject, String level) {
        Objects.requireNonNull(level, "level");
        ObjectNode body = json.createObjectNode().put("compatibility", level);
        String path = subject == null ? "/config" : "/config/" + RegistryHttp.segment(subject);
        String operation = subject == null ? "set the global compatibility level to " + level
                : "set the compatibility level of subject '" + subject + "' to " + level;
        String echoed = level(http.put(path, body, operation));
        return echoed == null ? level : echoed;
    }

    /** The base URLs, as configured (credentials removed). */
    public List<String> baseUrls() {
        return http.baseUrls();
    }

    @Override
    public String toString() {
        return "SchemaRegistryClient" + http.baseUrls();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException("interrupted between registry retries", e);
        }
    }

    private int idFor(String subject, Schema schema, boolean registerIfMissing) {
        requireSubject(subject);
        Objects.requireNonNull(schema, "schema");
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        String subjectPath = "/subjects/" + RegistryHttp.segment(subject);
        JsonNode answer = null;
        for (int attempt = 1; answer == null; attempt++) {
            try {
                answer = registerIfMissing
                        ? http.post(subjectPath + "/versions", schemaRequest(schema),
                                "register schema " + schema.getFullName() + " under subject '" + subject + "'")
                        : http.post(subjectPath, schemaRequest(schema),
                                "look up schema " + schema.getFullName() + " under subject '" + subject + "'");
            } catch (IncompatibleSchemaException e) {
                // Apicurio answers the loser of two concurrent first registrations of a subject
                // with 409 "already exists", the status Confluent uses for incompatibility: one
                // more try tells them apart (it finds the schema, or is refused again).
                if (!registerIfMissing || attempt > 1) {
                    throw e;
                }
                pause(50L << attempt);
            } catch (SchemaRegistryException e) {
                // Both calls are idempotent, so a server error is worth another try: registries
                // backed by a database (Apicurio's in-memory H2, for one) can lose a race between
                // two first registrations of the same content and answer 500.
                if (!e.isRetriable() || e.httpStatus() == SchemaRegistryException.NO_RESPONSE || attempt == IDEMPOTENT_ATTEMPTS) {
                    throw e;
                }
                pause(50L << attempt);
            }
        }
        int id = requiredInt(answer, "id", "the answer about subject '" + subject + "'");
        idsBySubjectSchema.put(key, id);
        // The id now names this schema for good; a consumer in this JVM need not fetch it back.
        if (schemasById.get(id) == null) {
            schemasById.put(id, schema);
        }
        return id;
    }

    private RegisteredSchema fetchVersion(String subject, String version) {
        requireSubject(subject);
        String operation = "fetch version " + version + " of subject '" + subject + "'";
        JsonNode answer = http.get(
                "/subjects/" + RegistryHttp.segment(subject) + "/versions/" + version, operation);
        int id = requiredInt(answer, "id", operation);
        Schema schema = parseAvro(answer, operation);
        if (schemasById.get(id) == null) {
            schemasById.put(id, schema);
        }
        return new RegisteredSchema(answer.path("subject").asText(subject), id,
                requiredInt(answer, "version", operation), schema);
    }

    private ObjectNode schemaRequest(Schema schema) {
        // "schemaType" is left out: AVRO is the protocol's default and older registries reject it.
        return json.createObjectNode().put("schema", schema.toString());
    }

    private Schema parseAvro(JsonNode answer, String operation) {
        String type = answer.path("schemaType").asText(AVRO);
        if (!AVRO.equals(type)) {
            throw new SchemaRegistryException(operation + ": the schema is " + type + ", not AVRO", 200, 0);
        }
        if (answer.path("references").size() > 0) {
            throw new SchemaRegistryException(operation + ": the schema uses schema references "
                    + answer.get("references") + ", which this client does not resolve", 200, 0);
        }
        String text = answer.path("schema").asText(null);
        if (text == null) {
            throw new SchemaRegistryException(operation + ": the answer has no \"schema\": " + answer, 200, 0);
        }
        try {
            // Defaults are not re-validated: the registry accepted this schema, and refusing it
            // now would make already written records unreadable.
            return new Schema.Parser().setValidateDefaults(false).parse(text);
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(operation + ": the registry returned a schema Avro cannot parse: "
                    + e.getMessage(), 200, 0, e);
        }
    }

    private static int requiredInt(JsonNode answer, String field, String what) {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException(what + ": no integer \"" + field + "\" in " + answer, 200, 0);
        }
        return value.asInt();
    }

    private static String level(JsonNode answer) {
        // GET answers "compatibilityLevel", PUT echoes "compatibility".
        JsonNode level = answer.hasNonNull("compatibilityLevel") ? answer.get("compatibilityLevel")
                : answer.get("compatibility");
        return level == null || level.isNull() ? null : level.asText();
    }

    private static void requireSubject(String subject) {
        if (subject == null || subject.isEmpty()) {
            throw new IllegalArgumentException("subject must not be null or empty");
        }
    }

    /** Cache key; Avro caches a schema's hash code, and equal instances compare by identity first. */
    private record SubjectSchema(String subject, Schema schema) {
    }

    /** Builds a {@link SchemaRegistryClient}; only the base URL is required. */
    public static final class Builder {

        private final List<String> baseUrls = new ArrayList<>();
        private String urlUserInfo;
        private String authorization;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int cacheCapacity = DEFAULT_CACHE_CAPACITY;

        private Builder(String urls) {
            Objects.requireNonNull(urls, "base URL");
            for (String url : urls.split(",")) {
                if (!url.isBlank()) {
                    baseUrls.add(normalize(url.strip()));
                }
            }
            if (baseUrls.isEmpty()) {
                throw new IllegalArgumentException("no Schema Registry URL in '" + urls + "'");
            }
        }

        /** Basic authentication, {@code user:password} as in {@code basic.auth.user.info}. */
        public Builder basicAuth(String userInfo) {
            Objects.requireNonNull(userInfo, "userInfo");
            if (!userInfo.contains(":")) {
                throw new IllegalArgumentException("basic auth user info must be 'user:password'");
            }
            this.authorization = "Basic "
                    + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** Basic authentication from the {@code user:password@} part of the first base URL. */
        public Builder basicAuthFromUrl() {
            if (urlUserInfo == null) {
                throw new IllegalArgumentException("no user info (user:password@) in the Schema Registry URL");
            }
            return basicAuth(urlUserInfo);
        }

        /** An extra header sent with every request (e.g. a tenant or gateway token). */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder headers(Map<String, String> extra) {
            extra.forEach(this::header);
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connect timeout");
            return this;
        }

        /** Limit of one request, from sending to the complete answer. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "request timeout");
            return this;
        }

        /** Bound of each cache (ids, subject/schema pairs); default {@value SchemaRegistryClient#DEFAULT_CACHE_CAPACITY}. */
        public Builder cacheCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("cache capacity must be at least 1");
            }
            this.cacheCapacity = capacity;
            return this;
        }

        public SchemaRegistryClient build() {
            return new SchemaRegistryClient(this);
        }

        /** Checks the URL, drops a trailing '/', keeps credentials apart from the URL. */
        private String normalize(String url) {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid Schema Registry URL '" + url + "'", e);
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                    || uri.getHost() == null) {
                throw new IllegalArgumentException("Schema Registry URL must be http(s)://host[:port][/path], got '"
                        + url + "'");
            }
            if (uri.getRawUserInfo() != null) {
                if (urlUserInfo == null) {
                    urlUserInfo = uri.getUserInfo();
                }
                url = uri.getScheme() + "://" + uri.getRawAuthority().substring(uri.getRawUserInfo().length() + 1)
                        + (uri.getRawPath() == null ? "" : uri.getRawPath());
            }
            return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        }

        private static Duration positive(Duration timeout, String what) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return timeout;
        }
    }
}
