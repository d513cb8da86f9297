package dev.ddtstream.dashboard;

import dev.ddtstream.schemas.config.ServiceSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the dashboard alone: {@code DashboardMain [dashboard.properties]}. Keys (file, then
 * {@code DDT_*} environment): {@code kafka.*} and the registry's, passed through;
 * {@code dashboard.host} (127.0.0.1), {@code dashboard.port} (8088).
 */
public final class DashboardMain {

    private DashboardMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Properties p = ServiceSettings.withEnvironment(ServiceSettings.read(args.length > 0 ? Path.of(args[0]) : null),
                System.getenv(), List.of("dashboard.host", "dashboard.port"));
        String port = p.getProperty("dashboard.port", "8088").trim();
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration dashboard.port = '" + port + "': not a port", e);
        }
        Dashboard dashboard = Dashboard.start(ServiceSettings.clientProperties(p), p.getProperty("dashboard.host", "127.0.0.1").trim(), number);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dashboard.close();
            stopped.countDown();
        }, "dashboard-shutdown"));
        stopped.await();
    }
}
