package dev.ddtstream.service;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every service's {@code main} does once its service is up: run until the process is asked to stop. */
public final class ServiceMain {

    private static final Logger log = LoggerFactory.getLogger(ServiceMain.class);

    private ServiceMain() {
    }

    /** The configuration file named by the first argument, or none. */
    public static Path configFile(String[] args) {
        return args.length > 0 ? Path.of(args[0]) : null;
    }

    /**
     * Ends the process with {@code status} from any thread, after its shutdown hooks: a service that
     * cannot go on leaves its restart to its supervisor (systemd, Kubernetes, {@code ddt cluster}).
     */
    public static void exit(int status) {
        // not on the calling thread: System.exit waits for the hooks, and a hook may wait for this thread
        Thread t = new Thread(() -> System.exit(status), "exit-" + status);
        t.setDaemon(false);
        t.start();
    }

    /**
     * Blocks until SIGTERM or SIGINT, then closes {@code service} (from the shutdown hook, so the
     * JVM waits for a graceful stop) and returns.
     */
    public static void runUntilShutdown(String name, AutoCloseable service) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception e) {
                log.error("{} did not stop cleanly: {}", name, e.toString(), e);
            } finally {
                stopped.countDown();
            }
        }, name + "-shutdown"));
        stopped.await();
    }
}
