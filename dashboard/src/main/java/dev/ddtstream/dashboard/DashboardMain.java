package dev.ddtstream.dashboard;

import dev.ddtstream.service.ServiceMain;
import dev.ddtstream.service.ServiceSettings;
import java.util.List;

/**
 * Runs the dashboard alone: {@code DashboardMain [dashboard.properties]}. Keys (file, then
 * {@code DDT_*} environment): {@code kafka.*} and the registry's, passed through;
 * {@code http.host} (127.0.0.1), {@code http.port} (8088; 0 = any free port): the page, {@code /health},
 * {@code /ready} and {@code /metrics}.
 */
public final class DashboardMain {

    /** Every key the dashboard reads. */
    public static final List<String> KEYS = List.of("http.host", "http.port");

    private DashboardMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ServiceSettings s = ServiceSettings.load(ServiceMain.configFile(args), KEYS);
        Dashboard dashboard = Dashboard.start(s.clientProperties(), s.text("http.host", "127.0.0.1"), s.port("http.port", 8088));
        ServiceMain.runUntilShutdown("dashboard", dashboard);
    }
}
