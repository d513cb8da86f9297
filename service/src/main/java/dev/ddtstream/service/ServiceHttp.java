package dev.ddtstream.service;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's one HTTP port: {@code GET /health} (the process is alive and can go on: a liveness
 * probe restarts it when not) and {@code GET /ready} (it is serving: a readiness probe sends it
 * traffic only then), answered 200 or 503 with a line of JSON, plus the service's own routes.
 * Bound before the service joins any group, so a taken port stops it at start, not after.
 */
public final class ServiceHttp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceHttp.class);

    /** A probe's answer: whether it passes, and why not in a few words. */
    public record Check(boolean ok, String detail) {

        public static Check up(String detail) {
            return new Check(true, detail);
        }

        public static Check down(String detail) {
            return new Check(false, detail);
        }
    }

    private final String service;
    private final HttpServer server;
    private final ExecutorService executor;

    private ServiceHttp(String service, HttpServer server, ExecutorService executor) {
        this.service = service;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds {@code host:port} (0 = any free port) and serves the two probes.
     *
     * @param portKey the configuration key of the port, named when it is taken
     * @throws IllegalStateException when the port cannot be bound
     */
    public static ServiceHttp start(String service, String host, int port, String portKey,
                                    Supplier<Check> health, Supplier<Check> ready) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new IllegalStateException(service + " cannot listen on " + host + ":" + port + " (" + portKey + "): "
                    + e.getMessage() + "; another process has it, so give this one another port", e);
        }
        // a thread per exchange: some routes hold their exchange open (the dashboard's event stream)
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, service + "-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        ServiceHttp http = new ServiceHttp(service, server, executor);
        http.route("/health", probe(service, health));
        http.route("/ready", probe(service, ready));
        server.start();
        log.info("{} answers {}/health and {}/ready", service, http.baseUrl(), http.baseUrl());
        return http;
    }

    /** Serves {@code path} (and everything below it) with {@code handler}. */
    public ServiceHttp route(String path, HttpHandler handler) {
        server.createContext(path, handler);
        return this;
    }

    private static HttpHandler probe(String service, Supplier<Check> check) {
        return exchange -> {
            try (exchange) {
                Check c;
                try {
                    c = check.get();
                } catch (RuntimeException e) {
                    c = Check.down(e.toString());
                }
                String body = "{\"service\":\"" + service + "\",\"status\":\"" + (c.ok() ? "UP" : "DOWN") + "\",\"detail\":\""
                        + c.detail().replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
                send(exchange, c.ok() ? 200 : 503, "application/json; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    /** Writes a whole response. */
    public static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** {@code http://host:port}, without a trailing slash. */
    public String baseUrl() {
        InetSocketAddress a = server.getAddress();
        return "http://" + a.getHostString() + ":" + a.getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        log.debug("{} HTTP port closed", service);
    }
}
