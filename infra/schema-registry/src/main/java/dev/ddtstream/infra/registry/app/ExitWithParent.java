package dev.ddtstream.infra.registry.app;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Stops the registry when the process named by {@code -Dddt.registry.parent-pid} ends. The launcher's
 * shutdown hook covers every ending of its JVM but SIGKILL (a test run killed on a timeout, an IDE's
 * stop button); this covers that one, so no registry outlives the JVM that started it.
 */
@ApplicationScoped
public class ExitWithParent {

    private static final Logger LOG = Logger.getLogger(ExitWithParent.class);

    void watchParent(@Observes StartupEvent started) {
        String parentPid = System.getProperty("ddt.registry.parent-pid");
        if (parentPid == null) {
            return;
        }
        ProcessHandle.of(Long.parseLong(parentPid)).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> exit(parentPid)),
                () -> exit(parentPid));
    }

    private static void exit(String parentPid) {
        LOG.infof("parent process %s has ended; stopping", parentPid);
        Quarkus.asyncExit();
    }
}
