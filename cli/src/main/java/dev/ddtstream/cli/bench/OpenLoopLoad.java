package dev.ddtstream.cli.bench;

import dev.ddtstream.events.RequestKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An open-loop load: arrivals of a Poisson process at {@code rate} requests per second for
 * {@code seconds}, each of a kind drawn by its share; requests are sent at their times whether or
 * not earlier ones were answered, as real users send them. Then the latencies per kind.
 */
public final class OpenLoopLoad {

    /** One request to send {@code atNanos} after the start. */
    public record Arrival(long atNanos, RequestKind kind) {
    }

    /** What happened to one request: latency in milliseconds, or failed. */
    public record Outcome(RequestKind kind, double latencyMs, boolean failed) {
    }

    /** The figures of one kind. */
    public record KindSummary(RequestKind kind, int sent, int answered, int failed, double perSecond,
                              double p50Ms, double p95Ms, double p99Ms) {
    }

    private OpenLoopLoad() {
    }

    /** The arrival schedule: exponential gaps at {@code rate} per second, kinds by {@code shares} (any positive weights). */
    public static List<Arrival> schedule(double rate, double seconds, Map<RequestKind, Double> shares, long seed) {
        if (!(rate > 0) || !(seconds > 0) || shares.isEmpty() || shares.values().stream().anyMatch(w -> !(w > 0))) {
            throw new IllegalArgumentException("rate and seconds must be > 0 and every share > 0: " + rate + ", " + seconds + ", " + shares);
        }
        double total = shares.values().stream().mapToDouble(Double::doubleValue).sum();
        SplittableRandom rng = new SplittableRandom(seed);
        List<Arrival> out = new ArrayList<>();
        double t = 0;
        while (true) {
            t += -Math.log(1 - rng.nextDouble()) / rate;
            if (t >= seconds) {
                return out;
            }
            double u = rng.nextDouble() * total;
            RequestKind kind = null;
            for (Map.Entry<RequestKind, Double> e : shares.entrySet()) {
                kind = e.getKey();
                u -= e.getValue();
                if (u < 0) {
                    break;
                }
            }
            out.add(new Arrival((long) (t * 1e9), kind));
        }
    }

    /** Per kind: answered per second over {@code wallSeconds}, and latency percentiles of the answered. */
    public static List<KindSummary> summarise(List<Outcome> outcomes, double wallSeconds) {
        Map<RequestKind, List<Outcome>> byKind = new EnumMap<>(RequestKind.class);
        outcomes.forEach(o -> byKind.computeIfAbsent(o.kind(), k -> new ArrayList<>()).add(o));
        List<KindSummary> out = new ArrayList<>();
        byKind.forEach((kind, list) -> {
            double[] ms = list.stream().filter(o -> !o.failed()).mapToDouble(Outcome::latencyMs).sorted().toArray();
            int failed = (int) list.stream().filter(Outcome::failed).count();
            out.add(new KindSummary(kind, list.size(), ms.length, failed, ms.length / wallSeconds,
                    percentile(ms, 0.50), percentile(ms, 0.95), percentile(ms, 0.99)));
        });
        return out;
    }

    /** Nearest-rank percentile; NaN for no values. */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The summaries as a table. */
    public static String table(List<KindSummary> rows) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-9s %6s %8s %6s %10s %9s %9s %9s%n",
                "kind", "sent", "answered", "failed", "answered/s", "p50 ms", "p95 ms", "p99 ms"));
        for (KindSummary r : rows) {
            s.append(String.format(Locale.ROOT, "%-9s %6d %8d %6d %10.2f %9.0f %9.0f %9.0f%n", r.kind(), r.sent(), r.answered(),
                    r.failed(), r.perSecond(), r.p50Ms(), r.p95Ms(), r.p99Ms()));
        }
        return s.toString();
    }
}
