package dev.ddtstream.cli;

import dev.ddtstream.events.BenchmarkMetadata;
import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageTiming;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.utils.Utils;

/**
 * What a suite run leaves behind: every image as a PNG file, a self-contained {@code report.html}
 * (images inline) with each request's prompt, source, result and timings, and the summary table.
 */
final class DemoReport {

    private DemoReport() {
    }

    /** Writes the images and {@code report.html} into {@code dir}; returns the report's path. */
    static Path write(Path dir, List<Answer> answers, String summary) {
        try {
            Files.createDirectories(dir);
            StringBuilder rows = new StringBuilder();
            for (Answer a : answers) {
                String id = a.request().getRequestId();
                byte[] source = bytes(a.request().getImage());
                if (source != null) {
                    Files.write(dir.resolve(id + "-source.png"), source);
                }
                String result;
                if (a.result() instanceof ImageResult img) {
                    byte[] png = bytes(img.getPng());
                    Files.write(dir.resolve(id + ".png"), png);
                    result = imgTag(png);
                    BenchmarkMetadata m = a.request().getBenchmark();
                    if (m != null && m.getExpectedImagePng() != null) {
                        result += "<br><small>expected</small> " + imgTag(bytes(m.getExpectedImagePng()));
                    }
                } else if (a.result() instanceof CaptionResult cap) {
                    BenchmarkMetadata m = a.request().getBenchmark();
                    result = "&ldquo;" + esc(cap.getText()) + "&rdquo;"
                            + (m != null && m.getExpectedText() != null ? "<br><small>expected: " + esc(m.getExpectedText()) + "</small>" : "");
                } else {
                    result = "<span class=err>" + esc(a.error().getReason() + " at " + a.error().getStage() + ": " + a.error().getMessage()) + "</span>";
                }
                rows.append("<tr><td>").append(esc(id)).append("</td><td>").append(a.request().getKind())
                        .append("</td><td>").append(esc(String.valueOf(a.request().getPrompt())))
                        .append("</td><td>").append(source == null ? "" : imgTag(source))
                        .append("</td><td>").append(result)
                        .append("</td><td>").append(timings(a)).append("</td></tr>\n");
            }
            String html = """
                    <!doctype html><html><head><meta charset="utf-8"><title>ddt demo report</title><style>
                    body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
                    img{width:96px;height:96px;image-rendering:pixelated}.err{color:#b00}pre{background:#f6f6f6;padding:1em}
                    </style></head><body><h1>ddt-stream demo</h1><pre>%s</pre>
                    <table><tr><th>request</th><th>kind</th><th>prompt / instruction / question</th><th>source</th><th>result</th><th>timings (ms)</th></tr>
                    %s</table></body></html>
                    """.formatted(esc(summary), rows);
            Path report = dir.resolve("report.html");
            Files.writeString(report, html, StandardCharsets.UTF_8);
            return report;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo report to " + dir, e);
        }
    }

    /** The summary table: per kind, requests, results, errors and latency percentiles, then mean stage times. */
    static String summary(List<Answer> answers, double wallSeconds) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-9s %5s %5s %6s %9s %9s %9s%n", "kind", "sent", "ok", "failed", "p50 ms", "p95 ms", "max ms"));
        for (RequestKind kind : RequestKind.values()) {
            List<Answer> of = answers.stream().filter(a -> a.request().getKind() == kind).toList();
            if (of.isEmpty()) {
                continue;
            }
            long[] lat = of.stream().mapToLong(Answer::latencyMs).sorted().toArray();
            long ok = of.stream().filter(Answer::ok).count();
            s.append(String.format(Locale.ROOT, "%-9s %5d %5d %6d %9d %9d %9d%n", kind, of.size(), ok, of.size() - ok,
                    pct(lat, 0.5), pct(lat, 0.95), lat[lat.length - 1]));
        }
        long ok = answers.stream().filter(Answer::ok).count();
        s.append(String.format(Locale.ROOT, "%-9s %5d %5d %6d%n", "all", answers.size(), ok, answers.size() - ok));
        s.append(String.format(Locale.ROOT, "%d requests answered in %.1f s: %.2f requests/s%n", answers.size(), wallSeconds,
                answers.size() / wallSeconds));
        for (Stage stage : List.of(Stage.ENCODER, Stage.LLAMA, Stage.MMDIT)) {
            List<StageTiming> t = answers.stream().flatMap(a -> a.timings().stream()).filter(x -> x.getStage() == stage).toList();
            if (!t.isEmpty()) {
                s.append(String.format(Locale.ROOT, "%-8s stage: mean queue %.0f ms, mean compute %.0f ms, mean batch %.1f%n", stage,
                        t.stream().mapToLong(x -> x.getStartedAtMs() - x.getEnqueuedAtMs()).average().orElse(0),
                        t.stream().mapToLong(x -> x.getFinishedAtMs() - x.getStartedAtMs()).average().orElse(0),
                        t.stream().mapToInt(StageTiming::getBatchSize).average().orElse(0)));
            }
        }
        return s.toString();
    }

    private static String timings(Answer a) {
        StringBuilder s = new StringBuilder();
        for (StageTiming t : a.timings()) {
            s.append(t.getStage().name().toLowerCase(Locale.ROOT)).append(' ').append(t.getStartedAtMs() - t.getEnqueuedAtMs())
                    .append('+').append(t.getFinishedAtMs() - t.getStartedAtMs()).append(" (batch ").append(t.getBatchSize()).append(")<br>");
        }
        return s.append("end to end ").append(a.latencyMs()).toString();
    }

    private static long pct(long[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static String imgTag(byte[] png) {
        return "<img src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\">";
    }

    private static byte[] bytes(ByteBuffer b) {
        return b == null ? null : Utils.toArray(b);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
