package dev.ddtstream.tests.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.cli.cluster.ClusterLayout;
import dev.ddtstream.cli.cluster.LocalCluster;
import dev.ddtstream.cli.faults.DrillResult;
import dev.ddtstream.cli.faults.Fault;
import dev.ddtstream.cli.faults.FaultDrill;
import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.client.api.RequestOptions;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.schemas.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole system as separate processes, secured, and its faults: {@link LocalCluster} with
 * SASL_SSL (a SCRAM user per service), least-privilege ACLs and basic auth at the registry (three
 * brokers, the registry, a Flink session cluster, two LLaMA worker processes, two generators, ...).
 * Security: a request is served with the client user's credentials; no credentials, a wrong
 * password, and a worker reaching for another stage's topics are refused. Faults: a steady
 * GENERATE load and one fault at a time, each struck process started again (or resumed) as a
 * supervisor would; each must leave every request with exactly one committed answer, every job
 * served by one committed batch per stage, and every image evaluated once. How long serving
 * stalled is printed, not asserted: {@code ddt bench faults} measures it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuredClusterTest {

    private static final int BASE_PORT = 23000;

    private LocalCluster cluster;
    private FaultDrill drill;
    private final List<DrillResult> results = new ArrayList<>();
    private final String run = "secured-" + Long.toString(System.currentTimeMillis(), 36);

    @BeforeAll
    void startCluster() throws Exception {
        Path dir = Path.of("target/secured-cluster");
        deleteTree(dir);
        cluster = new LocalCluster(new ClusterLayout(dir, BASE_PORT), Path.of("../config"));
        cluster.secure();
        cluster.up(System.out);
        Path bundle = BundleLocator.locate().orElseThrow();
        drill = new FaultDrill(cluster, bundle, ManifestReader.read(bundle).imageSize(), System.out);
    }

    @AfterAll
    void stopCluster() throws IOException {
        if (cluster != null) {
            cluster.down(System.out);
        }
        System.out.print(DrillResult.table(results));
    }

    @Test
    void aRequestIsServedWithTheClientUsersCredentials() throws Exception {
        try (DdtClient client = DdtClient.connect(cluster.clientProperties("client"))) {
            ImageResult image = client.generate("one red circle", RequestOptions.defaults().withRequestId(run + "-served"))
                    .get(3, TimeUnit.MINUTES);
            assertEquals(run + "-served", image.getRequestId());
        }
    }

    @Test
    void aClientWithoutCredentialsOrWithAWrongPasswordIsRefused() {
        Map<String, Object> none = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.layout().bootstrapServers(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        ExecutionException plain = assertThrows(ExecutionException.class, () -> send(none));
        assertInstanceOf(TimeoutException.class, plain.getCause(), "a plaintext client never gets through the TLS listener");

        Map<String, Object> wrong = kafkaOnly(cluster.clientProperties("client"));
        wrong.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"client\" password=\"guess\";");
        wrong.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000);
        ExecutionException guessed = assertThrows(ExecutionException.class, () -> send(wrong));
        assertInstanceOf(SaslAuthenticationException.class, guessed.getCause());
    }

    @Test
    void aLlamaWorkerCannotReadTheMmditJobsNorWriteItsResults() {
        Map<String, Object> llama = kafkaOnly(cluster.clientProperties("llama"));
        llama.put(ConsumerConfig.GROUP_ID_CONFIG, "ddt-llama-pool");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(llama, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(new TopicPartition(Topics.MMDIT_JOBS.name(), 0)));
            c.seekToBeginning(c.assignment());
            assertThrows(TopicAuthorizationException.class, () -> c.poll(Duration.ofSeconds(10)));
        }
        llama.remove(ConsumerConfig.GROUP_ID_CONFIG);
        llama.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(llama, new ByteArraySerializer(), new ByteArraySerializer())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>(Topics.MMDIT_RESULTS.name(), new byte[1])).get(30, TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause());
        }
    }

    @Test
    void theRegistryAsksForCredentials() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI subjects = URI.create(cluster.layout().registryUrl() + "/subjects");
        assertEquals(401, http.send(HttpRequest.newBuilder(subjects).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        String user = (String) cluster.clientProperties("client").get("basic.auth.user.info");
        HttpRequest authorized = HttpRequest.newBuilder(subjects)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8))).build();
        HttpResponse<String> listed = http.send(authorized, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, listed.statusCode());
        assertTrue(listed.body().contains(Topics.REQUESTS.name() + "-value"), listed.body());
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void underLoadNothingIsLostOrDoubled(Fault fault) throws Exception {
        DrillResult r = drill.run(fault, FaultDrill.Load.brief(), run);
        results.add(r);
        assertEquals(r.requests(), r.answered(), "every request answered within the bound");
        assertEquals(0, r.failed(), "no request failed");
        assertEquals(0, r.lost(), "requests without a committed answer");
        assertEquals(0, r.duplicated(), "requests with more than one committed answer");
        assertEquals(0, r.servedTwice(), "jobs in more than one committed batch of a stage");
        assertEquals(r.imaged(), r.evaluated(), "images without exactly one committed evaluation");
    }

    private static void send(Map<String, Object> producerConfig) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(Topics.REQUESTS.name(), new byte[1])).get(30, TimeUnit.SECONDS);
        }
    }

    private static Map<String, Object> kafkaOnly(Map<String, Object> properties) {
        Map<String, Object> p = new HashMap<>(properties);
        p.keySet().removeIf(k -> k.startsWith("schema.registry") || k.startsWith("basic.auth"));
        return p;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
