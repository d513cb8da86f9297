package dev.ddtstream.dashboard;

import dev.ddtstream.service.ServiceMain;
import dev.ddtstream.service.ServiceSettings;
import java.util.List;

/**
 * Runs the dashboard alone: {@code DashboardMain [dashboard.properties]}. Keys (file, then
 * {@code DDT_*} environment): {@code kafka.*} and the registry's, passed through;
 * {@code dashboard.host} (127.0.0.1), {@code dashboard.port} (8088; 0 = any free port).
 */
public final class DashboardMain {

    private DashboardMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceSettings s = ServiceSettings.load(ServiceMain.configFile(args), List.of("dashboard.host", "dashboard.port"));
        Dashboard dashboard = Dashboard.start(s.clientProperties(), s.text("dashboard.host", "127.0.0.1"), s.port("dashboard.port", 8088));
        ServiceMain.runUntilShutdown("dashboard", dashboard);
    }
}
