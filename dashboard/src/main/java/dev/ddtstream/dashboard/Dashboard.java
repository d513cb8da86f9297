package dev.ddtstream.dashboard;

import com.sun.net.httpserver.HttpExchange;
import dev.ddtstream.service.ServiceHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live dashboard: {@code GET /} is the page, {@code GET /events} a stream of server-sent
 * events ({@code metrics}: a window of {@code ddt.metrics}; {@code image}: one of the latest
 * generated images with its prompt and verdict), {@code GET /metrics} the latest windows for
 * Prometheus, {@code GET /assets/echarts.min.js} the chart library from its WebJar. Binds
 * 127.0.0.1 unless told otherwise.
 */
public final class Dashboard implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
    static final String ECHARTS = "/META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";

    private final ServiceHttp http;
    private final LiveFeed feed;

    private Dashboard(ServiceHttp http, LiveFeed feed) {
        this.http = http;
        this.feed = feed;
    }

    /**
     * @param clientProperties Kafka client and registry properties, passed through untouched
     * @param host             address to bind, normally 127.0.0.1
     * @param port             0 takes a free port
     */
    public static Dashboard start(Map<String, Object> clientProperties, String host, int port) {
        LiveFeed[] feedRef = new LiveFeed[1];
        ServiceHttp http = ServiceHttp.start("dashboard", host, port, "http.port",
                () -> feedRef[0] == null || feedRef[0].alive() ? ServiceHttp.Check.up("following the topics")
                        : ServiceHttp.Check.down("the feed stopped"),
                () -> feedRef[0] != null && feedRef[0].alive() ? ServiceHttp.Check.up("serving") : ServiceHttp.Check.down("starting"));
        LiveFeed feed;
        try {
            feed = new LiveFeed(clientProperties);
        } catch (RuntimeException e) {
            http.close();
            throw e;
        }
        feedRef[0] = feed;
        http.route("/", exchange -> {
            try (exchange) {
                switch (exchange.getRequestURI().getPath()) {
                    case "/" -> resource(exchange, "/dashboard/index.html", "text/html; charset=utf-8");
                    case "/assets/echarts.min.js" -> resource(exchange, ECHARTS, "text/javascript; charset=utf-8");
                    case "/events" -> stream(exchange, feed);
                    case "/metrics" -> text(exchange, feed.prometheus());
                    default -> exchange.sendResponseHeaders(404, -1);
                }
            }
        });
        Dashboard d = new Dashboard(http, feed);
        log.info("dashboard at {}", d.url());
        return d;
    }

    private static void resource(HttpExchange exchange, String path, String type) throws IOException {
        try (InputStream in = Dashboard.class.getResourceAsStream(path)) {
            if (in == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = in.readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void text(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void stream(HttpExchange exchange, LiveFeed feed) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        LinkedBlockingQueue<LiveFeed.Event> queue = new LinkedBlockingQueue<>(10_000);
        Runnable unsubscribe = feed.subscribe(queue::offer);
        try (OutputStream out = exchange.getResponseBody()) {
            while (true) {
                LiveFeed.Event e = queue.poll(15, TimeUnit.SECONDS);
                String text = e == null ? ": keep-alive\n\n" : "event: " + e.name() + "\ndata: " + e.json() + "\n\n";
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the page went away
        } finally {
            unsubscribe.run();
        }
    }

    public String url() {
        return http.baseUrl() + "/";
    }

    @Override
    public void close() {
        http.close();
        feed.close();
    }
}
