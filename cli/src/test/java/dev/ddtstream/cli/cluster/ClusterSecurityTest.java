package dev.ddtstream.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.schemas.Topics;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The cluster's ACLs as data: least privilege per role, and every catalogue topic covered. */
class ClusterSecurityTest {

    private final List<AclBinding> acls = ClusterSecurity.acls(ClusterLayout.GPU_INSTANCE_STEM);

    @Test
    void aLlamaWorkerReadsItsJobsAndWritesItsResultsEventsErrorsAndDeadLettersOnly() {
        assertEquals(Set.of(Topics.LLAMA_JOBS.name()), topics("llama", AclOperation.READ));
        assertEquals(Set.of(Topics.LLAMA_RESULTS.name(), Topics.STAGE_EVENTS.name(), Topics.ERROR_RESULTS.name(),
                Topics.DEAD_LETTERS.name()), topics("llama", AclOperation.WRITE));
        assertEquals(Set.of(), topics("llama", AclOperation.ALL));
    }

    @Test
    void aClientWritesRequestsAndReadsAnswersOnly() {
        assertEquals(Set.of(Topics.REQUESTS.name()), topics("client", AclOperation.WRITE));
        assertTrue(topics("client", AclOperation.READ).stream().noneMatch(t -> t.endsWith(".jobs")),
                "a client reads no job topic: " + topics("client", AclOperation.READ));
    }

    @Test
    void everyCatalogueTopicHasAWriterAndAReader() {
        for (var topic : Topics.ALL) {
            assertTrue(anyone(topic.name(), AclOperation.WRITE), topic.name() + " has no writer");
            assertTrue(anyone(topic.name(), AclOperation.READ), topic.name() + " has no reader");
        }
    }

    @Test
    void everyGrantIsForOneNamedUserAndOnlyOrchestratorsHoldPrefixedTopics() {
        for (AclBinding b : acls) {
            assertTrue(b.entry().principal().startsWith("User:") && !b.entry().principal().contains("*"), b.toString());
            if (b.pattern().resourceType() == ResourceType.TOPIC && b.pattern().patternType() == PatternType.PREFIXED) {
                String user = b.entry().principal().substring(5);
                assertEquals("ddt-" + user + "-", b.pattern().name(), "an application's own internal topics only");
            }
        }
    }

    private Set<String> topics(String user, AclOperation op) {
        return acls.stream()
                .filter(b -> b.entry().principal().equals("User:" + user) && b.entry().operation() == op
                        && b.pattern().resourceType() == ResourceType.TOPIC)
                .map(b -> b.pattern().name()).collect(Collectors.toCollection(TreeSet::new));
    }

    private boolean anyone(String topic, AclOperation op) {
        return acls.stream().anyMatch(b -> b.pattern().resourceType() == ResourceType.TOPIC
                && b.pattern().patternType() == PatternType.LITERAL && b.pattern().name().equals(topic)
                && b.entry().operation() == op);
    }
}
