package dev.ddtstream.orchestration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.service.ServiceHttp;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code GET /requests/{id}}: where a request stands, as JSON, from the orchestrator's store
 * through Kafka Streams interactive queries, on the app's HTTP port. A request owned by another
 * instance of the app is answered with a redirect to that instance; an unknown one with 404.
 */
public final class StatusRoute {

    /** Where a request's state lives: here (with the state, or empty) or at another instance's URL. */
    public sealed interface Lookup permits Lookup.Here, Lookup.Elsewhere {
        record Here(Optional<RequestState> state) implements Lookup {
        }

        record Elsewhere(String baseUrl) implements Lookup {
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusRoute() {
    }

    public static HttpHandler of(Function<String, Lookup> lookup) {
        return exchange -> {
            try (exchange) {
                String id = exchange.getRequestURI().getPath().substring("/requests/".length());
                if (!"GET".equals(exchange.getRequestMethod()) || id.isEmpty()) {
                    send(exchange, 400, Map.of("error", "GET /requests/{id}"));
                    return;
                }
                Lookup where = lookup.apply(id);
                if (where instanceof Lookup.Elsewhere e) {
                    exchange.getResponseHeaders().set("Location", e.baseUrl() + "/requests/" + id);
                    exchange.sendResponseHeaders(307, -1);
                } else if (((Lookup.Here) where).state().isEmpty()) {
                    send(exchange, 404, Map.of("requestId", id, "error", "unknown request"));
                } else {
                    send(exchange, 200, view(((Lookup.Here) where).state().get()));
                }
            } catch (RuntimeException e) {
                // the store is not queryable during a rebalance: say so, the client retries
                send(exchange, 503, Map.of("error", String.valueOf(e.getMessage())));
            }
        };
    }

    static Map<String, Object> view(RequestState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requestId", s.getRequestId());
        m.put("kind", s.getKind().name());
        m.put("status", s.getStatus().name());
        m.put("failure", s.getFailure() == null ? null : s.getFailure().name());
        m.put("failureMessage", s.getFailureMessage());
        m.put("stagesDone", s.getTimings().stream().map(t -> t.getStage().name()).toList());
        m.put("createdAtMs", s.getCreatedAtMs());
        m.put("updatedAtMs", s.getUpdatedAtMs());
        return m;
    }

    private static void send(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
        ServiceHttp.send(exchange, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }
}
