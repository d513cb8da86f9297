package dev.ddtstream.cli.cluster;

import dev.ddtstream.schemas.Topics;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A secured cluster's credentials and rules, generated once into {@code <run>/security}: one TLS
 * key pair for the nodes (a self-signed certificate for 127.0.0.1, which is also the trust store),
 * a SCRAM-SHA-512 user per service with a random password, and the ACLs that give each service
 * exactly what it reads and writes. Clients talk SASL_SSL; the controllers talk TLS with client
 * certificates; the registry asks every caller for basic auth with the same users.
 */
public final class ClusterSecurity {

    /** The brokers' own user (inter-broker traffic, provisioning): a super user. */
    public static final String ADMIN = "admin";
    /** The principal of a controller or broker on the controller listener: its certificate's subject. */
    static final String NODE_SUBJECT = "CN=ddt-node";
    static final String MECHANISM = "SCRAM-SHA-512";
    /** Every user, one per service: the GPU stages each their own, so that one stage cannot touch another's topics. */
    public static final List<String> USERS = List.of(ADMIN, "encoder", "llama", "mmdit", "generator", "captioner", "tokenizer",
            "evaluator", "dashboard", "client");

    private final Path dir;
    private final Properties secrets;

    private ClusterSecurity(Path dir, Properties secrets) {
        this.dir = dir;
        this.secrets = secrets;
    }

    /** The credentials in {@code dir}, made there the first time (keytool, from this JVM's home). */
    public static ClusterSecurity prepare(Path dir) throws IOException, InterruptedException {
        Path secretsFile = dir.resolve("secrets.properties");
        Properties secrets = new Properties();
        if (Files.exists(secretsFile)) {
            try (Reader r = Files.newBufferedReader(secretsFile, StandardCharsets.UTF_8)) {
                secrets.load(r);
            }
            return new ClusterSecurity(dir, secrets);
        }
        Files.createDirectories(dir);
        SecureRandom random = new SecureRandom();
        secrets.put("store", randomSecret(random));
        USERS.forEach(u -> secrets.put("user." + u, randomSecret(random)));
        String store = secrets.getProperty("store");
        keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650", "-dname", NODE_SUBJECT,
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore", dir.resolve("node.p12").toString(),
                "-storepass", store, "-keypass", store);
        keytool("-exportcert", "-alias", "node", "-keystore", dir.resolve("node.p12").toString(), "-storepass", store,
                "-file", dir.resolve("node.crt").toString());
        // the node key store holds the private key: owner only, like the passwords
        Files.setPosixFilePermissions(dir.resolve("node.p12"), PosixFilePermissions.fromString("rw-------"));
        keytool("-importcert", "-noprompt", "-alias", "node", "-file", dir.resolve("node.crt").toString(), "-storetype", "PKCS12",
                "-keystore", dir.resolve("truststore.p12").toString(), "-storepass", store);
        Files.createFile(secretsFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer w = Files.newBufferedWriter(secretsFile, StandardCharsets.UTF_8)) {
            secrets.store(w, "ddt cluster: the key stores' password and each user's; readable by this user only");
        }
        return new ClusterSecurity(dir, secrets);
    }

    public String password(String user) {
        String p = secrets.getProperty("user." + user);
        if (p == null) {
            throw new IllegalArgumentException("the cluster has no user " + user + "; its users: " + USERS);
        }
        return p;
    }

    /** The settings of a node that differ from a plaintext one: listeners, TLS stores, SCRAM, the authorizer. */
    Properties nodeProperties(int clientPort, int controllerPort) {
        String store = secrets.getProperty("store");
        Properties p = new Properties();
        p.put("listeners", "SASL_SSL://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + clientPort);
        p.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SSL");
        p.put("inter.broker.listener.name", "SASL_SSL");
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(ADMIN));
        // controllers know no SCRAM users before the metadata is read: they and the brokers prove themselves by certificate
        p.put("listener.name.controller.ssl.client.auth", "required");
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", dir.resolve("node.p12").toString());
        p.put("ssl.keystore.password", store);
        p.put("ssl.key.password", store);
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", dir.resolve("truststore.p12").toString());
        p.put("ssl.truststore.password", store);
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + ADMIN + ";User:" + NODE_SUBJECT);
        p.put("allow.everyone.if.no.acl.found", "false");
        return p;
    }

    /** The SCRAM credentials written into the metadata when a node's storage is formatted. */
    List<String> scramCredentials() {
        return USERS.stream().map(u -> MECHANISM + "=[name=" + u + ",password=" + password(u) + "]").toList();
    }

    /** Kafka client settings of {@code user}: SASL_SSL with SCRAM, the cluster's trust store. */
    public Map<String, Object> kafkaClient(String user) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", jaas(user));
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", dir.resolve("truststore.p12").toString());
        p.put("ssl.truststore.password", secrets.getProperty("store"));
        return p;
    }

    /** Registry client settings of {@code user}: basic auth. */
    public Map<String, Object> registryClient(String user) {
        return Map.of("basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", user + ":" + password(user));
    }

    /** The registry's JVM options: every user may call it, no one without credentials ({@code BasicAuthGate}). */
    List<String> registryJvmArgs() throws IOException {
        Path users = dir.resolve("registry-users.properties");
        if (!Files.exists(users)) {
            Properties p = new Properties();
            USERS.forEach(u -> p.put(u, password(u)));
            Files.createFile(users, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer w = Files.newBufferedWriter(users, StandardCharsets.UTF_8)) {
                p.store(w, "the registry's basic-auth users");
            }
        }
        return List.of("-Dddt.registry.users-file=" + users);
    }

    private String jaas(String user) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password(user) + "\";";
    }

    /**
     * Least privilege: each GPU stage reads its job topic (in its group) and writes its results,
     * stage events, error results and dead letters under its transactional ids; each orchestrator
     * reads requests and stage results and writes its jobs and answers, its internal topics under its
     * application id; the evaluator reads results and writes evaluations and metrics; the dashboard
     * reads; a client writes requests and reads answers.
     *
     * <p>Public so that the Kubernetes manifests' {@code KafkaUser}s can be held to the same derivation
     * ({@code KubernetesManifestsTest}).
     *
     * @param transactionalStem the GPU processes' instance names start with {@code <stem>-<stage>}
     * @return every binding, each an ALLOW for one {@code User:<role>} from any host
     */
    public static List<AclBinding> acls(String transactionalStem) {
        Acls a = new Acls();
        for (String stage : List.of("encoder", "llama", "mmdit")) {
            a.read(stage, "ddt." + stage + ".jobs");
            a.group(stage, "ddt-" + stage + "-pool");
            a.write(stage, "ddt." + stage + ".results", Topics.STAGE_EVENTS.name(), Topics.ERROR_RESULTS.name(), Topics.DEAD_LETTERS.name());
            a.transactions(stage, transactionalStem + "-" + stage);
        }
        List<String> stageResults = List.of(Topics.REQUESTS.name(), Topics.ENCODER_RESULTS.name(), Topics.LLAMA_RESULTS.name(),
                Topics.MMDIT_RESULTS.name(), Topics.ERROR_RESULTS.name());
        Map<String, List<String>> writes = Map.of(
                "generator", List.of(Topics.ENCODER_JOBS.name(), Topics.LLAMA_JOBS.name(), Topics.MMDIT_JOBS.name(), Topics.IMAGE_RESULTS.name()),
                "captioner", List.of(Topics.ENCODER_JOBS.name(), Topics.LLAMA_JOBS.name(), Topics.CAPTION_RESULTS.name()),
                "tokenizer", List.of(Topics.ENCODER_JOBS.name(), Topics.TOKEN_RESULTS.name()));
        writes.forEach((app, topics) -> {
            String id = "ddt-" + app;
            a.read(app, stageResults.toArray(String[]::new));
            a.write(app, topics.toArray(String[]::new));
            a.write(app, Topics.ERROR_RESULTS.name(), Topics.DEAD_LETTERS.name());
            a.group(app, id);
            a.transactions(app, id);
            a.allPrefixed(app, id + "-"); // its changelog and repartition topics
        });
        a.read("evaluator", Topics.IMAGE_RESULTS.name(), Topics.CAPTION_RESULTS.name(), Topics.ERROR_RESULTS.name(),
                Topics.STAGE_EVENTS.name(), Topics.DEAD_LETTERS.name());
        a.group("evaluator", "ddt-evaluator");
        a.write("evaluator", Topics.EVALUATIONS.name(), Topics.METRICS.name());
        a.transactions("evaluator", "ddt-evaluator");
        a.read("dashboard", Topics.METRICS.name(), Topics.IMAGE_RESULTS.name(), Topics.EVALUATIONS.name());
        a.write("client", Topics.REQUESTS.name());
        a.read("client", Topics.IMAGE_RESULTS.name(), Topics.CAPTION_RESULTS.name(), Topics.TOKEN_RESULTS.name(), Topics.ERROR_RESULTS.name(),
                Topics.EVALUATIONS.name());
        return a.bindings;
    }

    /** Builds the bindings: every one an ALLOW for one user from any host. */
    private static final class Acls {
        final List<AclBinding> bindings = new ArrayList<>();

        void read(String user, String... topics) {
            for (String t : topics) {
                add(user, new ResourcePattern(ResourceType.TOPIC, t, PatternType.LITERAL), AclOperation.READ);
            }
        }

        void write(String user, String... topics) {
            for (String t : topics) {
                add(user, new ResourcePattern(ResourceType.TOPIC, t, PatternType.LITERAL), AclOperation.WRITE);
            }
        }

        void group(String user, String group) {
            add(user, new ResourcePattern(ResourceType.GROUP, group, PatternType.LITERAL), AclOperation.READ);
        }

        void transactions(String user, String prefix) {
            add(user, new ResourcePattern(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED), AclOperation.WRITE);
        }

        void allPrefixed(String user, String prefix) {
            add(user, new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED), AclOperation.ALL);
        }

        private void add(String user, ResourcePattern pattern, AclOperation op) {
            bindings.add(new AclBinding(pattern, new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW)));
        }
    }

    private static String randomSecret(SecureRandom random) {
        byte[] b = new byte[18];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + output);
        }
    }
}
