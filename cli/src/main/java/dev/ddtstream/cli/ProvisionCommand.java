package dev.ddtstream.cli;

import dev.ddtstream.schemas.PayloadLimit;
import dev.ddtstream.schemas.Provisioning;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.service.ServiceSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ddt provision}: makes a cluster ready for the flow, as often as asked: every catalogue topic
 * with the stated partitions, replication and payload limit (existing topics get the settings), and
 * every value schema registered under its subject.
 */
@Command(name = "provision", mixinStandardHelpOptions = true,
        description = "Create the catalogue's topics (partitions, replication, payload limit) and register its schemas; idempotent.")
final class ProvisionCommand implements Callable<Integer> {

    /** Every key provisioning reads, beside the clients' own. */
    static final List<String> KEYS = List.of("partitions", "replication", PayloadLimit.KEY);

    @Option(names = "--config", defaultValue = "config/provision.properties",
            description = "Properties file: partitions, replication, payload.max-bytes, kafka.*, schema.registry.* (default: ${DEFAULT-VALUE}).")
    Path config;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        ServiceSettings s = ServiceSettings.load(config.toFile().exists() ? config : null, KEYS);
        Provisioning.TopicPlan plan = plan(s);
        Map<String, Object> client = s.clientProperties();
        List<String> created = Provisioning.provisionTopics(client, plan);
        out.printf("Topics    %d in the catalogue, %d created, every one with %d partitions, replication %s, max.message.bytes %d%n",
                Topics.ALL.size(), created.size(), plan.partitions(), plan.replication() == 0 ? "the cluster's default" : plan.replication(),
                plan.payload().maxRecordBytes());
        Map<String, Integer> ids = Provisioning.registerSchemas(SchemaRegistryConfig.clientFrom(client));
        out.printf("Schemas   %d subjects registered (%s)%n", ids.size(), String.join(", ", Topics.ALL.stream().map(Topic::valueSubject)
                .map(subject -> subject + "=" + ids.get(subject)).toList()));
        return 0;
    }

    static Provisioning.TopicPlan plan(ServiceSettings s) {
        return s.group("provision", () -> new Provisioning.TopicPlan(s.integer("partitions", 4), s.integer("replication", 0),
                new PayloadLimit(s.integer(PayloadLimit.KEY, PayloadLimit.DEFAULT.maxImageBytes()))));
    }
}
