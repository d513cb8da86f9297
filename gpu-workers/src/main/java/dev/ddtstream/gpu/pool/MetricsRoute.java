package dev.ddtstream.gpu.pool;

import com.sun.net.httpserver.HttpHandler;
import dev.ddtstream.service.ServiceHttp;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;

/** {@code GET /metrics}: a Prometheus scrape of the workers' meters, on the service's HTTP port. */
public final class MetricsRoute {

    private MetricsRoute() {
    }

    public static HttpHandler of(PrometheusMeterRegistry registry) {
        return exchange -> {
            try (exchange) {
                if (!"GET".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                ServiceHttp.send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                        registry.scrape().getBytes(StandardCharsets.UTF_8));
            }
        };
    }
}
