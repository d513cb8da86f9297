package dev.ddtstream.testenv;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests the {@link TestEnvironment} as a parameter ({@code @ExtendWith(TestEnvironmentExtension.class)}).
 * One environment per test JVM: it starts with the first test that asks and closes when the
 * whole run ends, because starting a broker and a registry for every class would triple the
 * suite's time.
 */
public final class TestEnvironmentExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TestEnvironmentExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestEnvironment.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(TestEnvironment.class, key -> startOrFail(), TestEnvironment.class);
    }

    private static TestEnvironment startOrFail() {
        try {
            return TestEnvironment.fromEnvironment();
        } catch (Exception e) {
            throw new IllegalStateException("test environment did not start: " + e.getMessage(), e);
        }
    }
}
