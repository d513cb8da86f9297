package dev.ddtstream.testenv;

import dev.ddtstream.infra.EmbeddedStack;
import java.util.Map;

/** The default backing: the {@link EmbeddedStack} without Flink (tests that need Flink start their own cluster). */
final class EmbeddedBacking {

    private EmbeddedBacking() {
    }

    static TestEnvironment start(Map<String, Object> extraClientProperties) throws Exception {
        EmbeddedStack stack = EmbeddedStack.start(0);
        return new TestEnvironment(Backing.EMBEDDED, stack.bootstrapServers(), stack.schemaRegistryUrl(),
                extraClientProperties, stack);
    }
}
