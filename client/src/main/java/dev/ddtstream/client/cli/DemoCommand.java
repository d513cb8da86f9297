package dev.ddtstream.client.cli;

import dev.ddtstream.evaluator.RequestMixJob;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.infra.EmbeddedStack;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ddt demo}: starts everything embedded, sends a suite of requests through it, prints a
 * summary and stops everything.
 *
 * <p>Today it exercises the streaming foundation end to end (broker, registry, Flink, the Avro
 * contracts); the model stages join it as they land.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start the embedded stack, send a request suite through it, print a summary, stop.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--requests", defaultValue = "12", description = "Requests in the suite (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the suite (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        long began = System.nanoTime();
        try (EmbeddedStack stack = EmbeddedStack.start(2)) {
            out.printf("Kafka     %s%nRegistry  %s%nFlink     %s%nStart-up  %s%n", stack.bootstrapServers(),
                    stack.schemaRegistryUrl(), stack.flink().restAddress(), stack.startupSummary());

            Map<String, Object> kafka = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            Provisioning.createTopics(kafka, 1);
            SchemaRegistryClient registry = SchemaRegistryClient.create(stack.schemaRegistryUrl());
            Map<String, Integer> ids = Provisioning.registerSchemas(registry);
            out.printf("Contracts %d topics created, %d value schemas registered%n", Topics.ALL.size(), ids.size());

            List<GenerationRequest> suite = RequestSuite.mixed(requests, seed);
            Map<String, Object> producerProps = new HashMap<>(kafka);
            producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            try (KafkaProducer<String, GenerationRequest> producer = new KafkaProducer<>(
                    producerProps, new StringSerializer(), new ConfluentAvroSerializer<>(registry))) {
                for (GenerationRequest request : suite) {
                    producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), request.getRequestId(), request));
                }
                producer.flush();
            }

            Map<String, Long> mix = RequestMixJob.run(stack.flink().environment(), Topics.REQUESTS.name(), kafka,
                    stack.schemaRegistryUrl());
            out.printf("%nRequests on %s, counted by a Flink job:%n", Topics.REQUESTS.name());
            out.printf("  %-10s %6s%n", "kind", "count");
            for (RequestKind kind : RequestKind.values()) {
                out.printf("  %-10s %6d%n", kind, mix.getOrDefault(kind.name(), 0L));
            }
            long sent = suite.size();
            long counted = mix.values().stream().mapToLong(Long::longValue).sum();
            out.printf("  %-10s %6d (sent %d)%n", "total", counted, sent);
            if (counted != sent) {
                out.println("The count differs from what was sent.");
                return 1;
            }
        }
        out.printf("%nDemo finished in %.1f s; everything stopped.%n", (System.nanoTime() - began) / 1e9);
        return 0;
    }
}
