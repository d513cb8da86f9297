package dev.ddtstream.schemas;

import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Prepares a cluster for the flow: every catalogue topic exists with the deployment's settings and
 * every value schema is registered under its topic's subject. Both steps are idempotent, so every
 * service may run them at start and {@code ddt provision} may run them again after a change.
 */
public final class Provisioning {

    /**
     * How the catalogue's topics are made.
     *
     * @param partitions  partitions of each topic (the same for all: the orchestrators need every topic
     *                    co-partitioned by request id); a GPU pool scales up to this many workers
     * @param replication replicas of each topic, or 0 for the cluster's default; with three or more,
     *                    a write needs {@code replication - 1} in sync ({@code min.insync.replicas})
     * @param payload     the deployment's payload limit: every topic takes its largest record
     */
    public record TopicPlan(int partitions, int replication, PayloadLimit payload) {

        public TopicPlan {
            if (partitions < 1 || replication < 0) {
                throw new IllegalArgumentException("partitions must be at least 1 and replication at least 0: " + partitions
                        + ", " + replication);
            }
        }

        /** The settings every catalogue topic gets. */
        public Map<String, String> topicConfigs() {
            Map<String, String> c = new LinkedHashMap<>();
            c.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(payload.maxRecordBytes()));
            if (replication >= 3) {
                c.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(replication - 1));
            }
            return c;
        }
    }

    private Provisioning() {
    }

    /**
     * Creates the catalogue topics that do not exist yet, with the cluster's default replication and
     * the default payload limit.
     *
     * @param adminProperties Kafka client properties (bootstrap servers, security) passed through untouched
     * @return the names of the topics this call created
     */
    public static List<String> createTopics(Map<String, Object> adminProperties, int partitions)
            throws InterruptedException {
        return provisionTopics(adminProperties, new TopicPlan(partitions, 0, PayloadLimit.DEFAULT));
    }

    /** Creates the missing catalogue topics as {@code plan} says, and brings the settings of existing ones to it. */
    public static List<String> provisionTopics(Map<String, Object> adminProperties, TopicPlan plan) throws InterruptedException {
        return provisionTopics(adminProperties, Topics.ALL.stream().map(Topic::name).toList(), plan);
    }

    /** Creates the named topics that do not exist yet with the cluster's default replication and payload limit. */
    public static List<String> createTopics(Map<String, Object> adminProperties, Collection<String> names,
                                            int partitions) throws InterruptedException {
        return provisionTopics(adminProperties, names, new TopicPlan(partitions, 0, PayloadLimit.DEFAULT));
    }

    private static List<String> provisionTopics(Map<String, Object> adminProperties, Collection<String> names, TopicPlan plan)
            throws InterruptedException {
        try (Admin admin = Admin.create(adminProperties)) {
            List<NewTopic> wanted = names.stream()
                    .map(name -> new NewTopic(name, Optional.of(plan.partitions()),
                            plan.replication() == 0 ? Optional.empty() : Optional.of((short) plan.replication()))
                            .configs(plan.topicConfigs()))
                    .toList();
            List<String> created = new ArrayList<>();
            List<String> existing = new ArrayList<>();
            for (var entry : admin.createTopics(wanted).values().entrySet()) {
                try {
                    entry.getValue().get();
                    created.add(entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                    existing.add(entry.getKey());
                }
            }
            if (!existing.isEmpty()) {
                Map<ConfigResource, Collection<AlterConfigOp>> ops = new LinkedHashMap<>();
                for (String name : existing) {
                    ops.put(new ConfigResource(ConfigResource.Type.TOPIC, name), plan.topicConfigs().entrySet().stream()
                            .map(c -> new AlterConfigOp(new ConfigEntry(c.getKey(), c.getValue()), AlterConfigOp.OpType.SET)).toList());
                }
                try {
                    admin.incrementalAlterConfigs(ops).all().get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("cannot set the settings of the existing topics: " + e.getCause().getMessage(), e.getCause());
                }
            }
            return created;
        }
    }
    /** Registers every catalogue value schema; returns subject to schema id, in flow order. */
    public static Map<String, Integer> registerSchemas(SchemaRegistryClient registry) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Topic<?> topic : Topics.ALL) {
            ids.put(topic.valueSubject(), registry.register(topic.valueSubject(), topic.valueSchema()));
        }
        return ids;
    }
}
