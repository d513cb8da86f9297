package dev.ddtstream.testenv;

import java.time.Duration;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/** Kafka and Confluent's registry in containers on one Docker network. */
final class ContainerBacking {

    static final String DEFAULT_KAFKA_IMAGE = "apache/kafka:4.1.0";
    static final String DEFAULT_REGISTRY_IMAGE = "confluentinc/cp-schema-registry:7.9.0";

    private ContainerBacking() {
    }

    static TestEnvironment start(Map<String, String> env, Map<String, Object> extraClientProperties) {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException("DDT_TEST_BACKING=containers needs a Docker engine, and none answers here");
        }
        Network network = Network.newNetwork();
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(env.getOrDefault("DDT_KAFKA_IMAGE", DEFAULT_KAFKA_IMAGE)))
                .withNetwork(network)
                .withListener("kafka:19092");
        kafka.start();
        GenericContainer<?> registry = new GenericContainer<>(
                DockerImageName.parse(env.getOrDefault("DDT_REGISTRY_IMAGE", DEFAULT_REGISTRY_IMAGE)))
                .withNetwork(network)
                .withExposedPorts(8081)
                .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
                .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
                .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
                .waitingFor(Wait.forHttp("/subjects").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(2)));
        try {
            registry.start();
        } catch (RuntimeException e) {
            kafka.stop();
            network.close();
            throw e;
        }
        String registryUrl = "http://" + registry.getHost() + ":" + registry.getMappedPort(8081);
        return new TestEnvironment(Backing.CONTAINERS, kafka.getBootstrapServers(), registryUrl, extraClientProperties,
                () -> {
                    registry.stop();
                    kafka.stop();
                    network.close();
                });
    }
}
