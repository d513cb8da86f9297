package dev.ddtstream.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.WindowKind;
import dev.ddtstream.schemas.TopicReader;
import dev.ddtstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the metrics, image-result and evaluation topics ({@code read_committed}) on one thread,
 * keeps what a newly opened page needs (recent windows, the latest images with their verdicts) and
 * hands every update, as a named JSON event, to the subscribers.
 */
final class LiveFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    private static final int WINDOWS_KEPT = 120;
    private static final int IMAGES_KEPT = 12;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One server-sent event. */
    record Event(String name, String json) {
    }

    private final TopicReader reader;
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Event> windows = new ArrayDeque<>();
    private final Map<WindowKind, MetricsWindow> latest = new EnumMap<>(WindowKind.class);
    private final ArrayDeque<Map<String, Object>> images = new ArrayDeque<>();
    private final Map<String, EvaluationResult> verdicts = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, EvaluationResult> eldest) {
            return size() > 10_000;
        }
    };
    private final Thread thread;
    private volatile boolean running = true;

    LiveFeed(Map<String, Object> clientProperties) {
        this.reader = TopicReader.assign(clientProperties, List.of(Topics.METRICS, Topics.IMAGE_RESULTS, Topics.EVALUATIONS),
                TopicReader.Start.BEGINNING);
        this.thread = new Thread(this::follow, "dashboard-feed");
        thread.setDaemon(true);
        thread.start();
    }

    /** Sends what the page needs to draw its current state, then every update, until unsubscribed. */
    synchronized Runnable subscribe(Consumer<Event> subscriber) {
        windows.forEach(subscriber);
        images.forEach(i -> subscriber.accept(new Event("image", json(i))));
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** Whether the thread that follows the topics is still running. */
    boolean alive() {
        return thread.isAlive();
    }

    /** The latest window of each kind in Prometheus' text format. */
    synchronized String prometheus() {
        return PrometheusText.render(latest);
    }

    private void follow() {
        try {
            while (running) {
                for (TopicReader.Received r : reader.poll(Duration.ofMillis(250))) {
                    if (!r.readable()) {
                        log.warn("skipped an unreadable record of {} offset {}: {}", r.topic(), r.offset(), r.error().getMessage());
                    } else if (r.topic().equals(Topics.METRICS)) {
                        window(r.value(Topics.METRICS));
                    } else if (r.topic().equals(Topics.IMAGE_RESULTS)) {
                        image(r.value(Topics.IMAGE_RESULTS));
                    } else {
                        verdict(r.value(Topics.EVALUATIONS));
                    }
                }
            }
        } catch (WakeupException e) {
            // close()
        } finally {
            reader.close();
        }
    }

    private synchronized void window(MetricsWindow w) {
        MetricsWindow previous = latest.get(w.getWindowKind());
        if (previous == null || previous.getWindowEndMs() <= w.getWindowEndMs()) {
            latest.put(w.getWindowKind(), w);
        }
        Event e = new Event("metrics", w.toString()); // Avro renders a record without bytes as JSON
        windows.addLast(e);
        while (windows.size() > WINDOWS_KEPT) {
            windows.removeFirst();
        }
        publish(e);
    }

    private synchronized void image(ImageResult r) {
        byte[] png = Utils.toArray(r.getPng());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requestId", r.getRequestId());
        m.put("kind", r.getKind().name());
        m.put("prompt", r.getPrompt());
        m.put("png", Base64.getEncoder().encodeToString(png));
        m.put("task", r.getBenchmark() == null ? null : r.getBenchmark().getTask());
        m.put("verdict", verdictOf(r.getRequestId()));
        images.addLast(m);
        while (images.size() > IMAGES_KEPT) {
            images.removeFirst();
        }
        publish(new Event("image", json(m)));
    }

    private synchronized void verdict(EvaluationResult e) {
        verdicts.put(e.getRequestId(), e);
        for (Map<String, Object> i : images) {
            if (e.getRequestId().equals(i.get("requestId"))) {
                i.put("verdict", verdictOf(e.getRequestId()));
                publish(new Event("image", json(i)));
            }
        }
    }

    private String verdictOf(String id) {
        EvaluationResult e = verdicts.get(id);
        if (e == null || e.getCorrect() == null) {
            return null;
        }
        return e.getCorrect() ? "correct" : "wrong";
    }

    private void publish(Event e) {
        subscribers.forEach(s -> s.accept(e));
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        running = false;
        reader.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
