package dev.ddtstream.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
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

    private final HttpServer server;
    private final LiveFeed feed;

    private Dashboard(HttpServer server, LiveFeed feed) {
        this.server = server;
        this.feed = feed;
    }

    /**
     * @param clientProperties Kafka client and registry properties, passed through untouched
     * @param host             address to bind, normally 127.0.0.1
     * @param port             0 takes a free port
     */
    public static Dashboard start(Map<String, Object> clientProperties, String host, int port) {
        LiveFeed feed = new LiveFeed(clientProperties);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            feed.close();
            throw new UncheckedIOException("cannot bind the dashboard to " + host + ":" + port, e);
        }
        // one thread per open page: each holds its event stream open
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dashboard-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
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
        server.start();
        Dashboard d = new Dashboard(server, feed);
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
        InetSocketAddress a = server.getAddress();
        return "http://" + a.getHostString() + ":" + a.getPort() + "/";
    }

    @Override
    public void close() {
        server.stop(0);
        feed.close();
    }
}
