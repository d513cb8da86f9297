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
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Prepares a cluster for the flow: every catalogue topic exists and every value schema is
 * registered under its topic's subject. Both steps are idempotent, so every service may run them
 * at start.
 */
public final class Provisioning {

    private Provisioning() {
    }

    /**
     * Creates the catalogue topics that do not exist yet.
     *
     * @param adminProperties Kafka client properties (bootstrap servers, security) passed through untouched
     * @param partitions      partitions of each new topic; the GPU pools scale up to this many members
     * @return the names of the topics this call created
     */
    public static List<String> createTopics(Map<String, Object> adminProperties, int partitions)
            throws InterruptedException {
        return createTopics(adminProperties, Topics.ALL.stream().map(Topic::name).toList(), partitions);
    }

    /**
     * Creates the named topics that do not exist yet, with the cluster's default replication.
     *
     * @return the names of the topics this call created
     */
    public static List<String> createTopics(Map<String, Object> adminProperties, Collection<String> names,
                                            int partitions) throws InterruptedException {
        try (Admin admin = Admin.create(adminProperties)) {
            List<NewTopic> wanted = names.stream()
                    .map(name -> new NewTopic(name, Optional.of(partitions), Optional.empty()))
                    .toList();
            List<String> created = new ArrayList<>();
            for (var entry : admin.createTopics(wanted).values().entrySet()) {
                try {
                    entry.getValue().get();
                    created.add(entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
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
