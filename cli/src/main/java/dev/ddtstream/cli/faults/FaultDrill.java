package dev.ddtstream.cli.faults;

import dev.ddtstream.cli.cluster.LocalCluster;
import dev.ddtstream.cli.suite.HeldOutSuite;
import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.events.GenerationRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;

/**
 * One fault under a steady load of GENERATE requests on a running {@code ddt cluster}: the load
 * runs {@code before} the fault and {@code after} it; a killed process is started again after
 * {@code restartAfter} (a supervisor's restart), a stopped one resumed after {@code stopFor}; then
 * every request is awaited and the committed topics are audited ({@link Ledger}).
 */
public final class FaultDrill {

    /**
     * The load and the fault's timing.
     *
     * @param perSecond    GENERATE requests per second
     * @param answerBound  how long to wait for the last answers once the load has stopped
     */
    public record Load(double perSecond, Duration before, Duration after, Duration restartAfter, Duration stopFor,
                       Duration answerBound) {

        /** What the test suite runs: short, at a rate two cores serve with room to catch up. */
        public static Load brief() {
            return new Load(1.0, Duration.ofSeconds(8), Duration.ofSeconds(22), Duration.ofSeconds(3), Duration.ofSeconds(10),
                    Duration.ofMinutes(3));
        }
    }

    private static final int WARM_UP_REQUESTS = 4;

    private final LocalCluster cluster;
    /** The load's connection: the cluster's client user, on a secured cluster its least privilege. */
    private final Map<String, Object> client;
    /** The audit's: it reads every topic. */
    private final Map<String, Object> admin;
    private final HeldOutSuite suite;
    private final PrintStream out;

    public FaultDrill(LocalCluster cluster, Path bundle, int imageSide, PrintStream out) {
        this.cluster = cluster;
        this.client = cluster.clientProperties("client");
        this.admin = cluster.clientProperties();
        this.suite = new HeldOutSuite(bundle, imageSide);
        this.out = out;
    }

    /** Runs {@code fault} under {@code load}; {@code runId} makes the request ids unique. */
    public DrillResult run(Fault fault, Load load, String runId) throws Exception {
        cluster.awaitReady(Duration.ofMinutes(3));
        int n = (int) Math.round(load.perSecond() * (load.before().toMillis() + load.after().toMillis()) / 1000.0);
        List<GenerationRequest> requests = suite.generates(n, runId + "-" + fault.name().toLowerCase(Locale.ROOT));
        Set<String> ids = requests.stream().map(GenerationRequest::getRequestId).collect(Collectors.toSet());
        out.printf("%s: %d requests at %.1f/s, the fault after %d s%n", fault.description(), n, load.perSecond(), load.before().toSeconds());
        ConcurrentLinkedQueue<Timing> timings = new ConcurrentLinkedQueue<>();
        AtomicInteger failed = new AtomicInteger();
        long faultAt;
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (DdtClient ddt = DdtClient.connect(client)) {
            warmUp(ddt, runId + "-" + fault.name().toLowerCase(Locale.ROOT) + "-warm");
            long start = System.nanoTime();
            long period = (long) (1e9 / load.perSecond());
            List<ScheduledFuture<CompletableFuture<SpecificRecord>>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                GenerationRequest r = requests.get(i);
                sent.add(timer.schedule(() -> {
                    long sentAt = System.nanoTime();
                    return ddt.submit(r).whenComplete((v, e) -> {
                        timings.add(new Timing(sentAt, System.nanoTime()));
                        if (e != null) {
                            failed.incrementAndGet();
                        }
                    });
                }, i * period, TimeUnit.NANOSECONDS));
            }
            sleepUntil(start + load.before().toNanos());
            faultAt = System.nanoTime();
            ScheduledFuture<?> undo = inject(fault, load, timer);
            List<CompletableFuture<SpecificRecord>> answers = new ArrayList<>();
            for (ScheduledFuture<CompletableFuture<SpecificRecord>> s : sent) {
                answers.add(s.get());
            }
            undo.get();
            try {
                CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                        .get(load.answerBound().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                out.printf("  not every request answered within %d s of the load's end%n", load.answerBound().toSeconds());
            }
        } finally {
            timer.shutdownNow();
        }
        Ledger ledger = Ledger.read(admin, ids, Duration.ofMinutes(2));
        List<Long> times = timings.stream().map(Timing::answered).sorted().toList();
        DrillResult result = new DrillResult(fault, n, times.size(), failed.get(), ledger.lost(ids), ledger.duplicated(),
                ledger.servedTwice(), ledger.evaluatedOnce(), ledger.images.size(), normalGap(times, faultAt), stall(times, faultAt),
                slowest(timings, t -> t.answered() < faultAt), slowest(timings, t -> t.answered() >= faultAt));
        out.printf(Locale.ROOT, "  answered %d/%d (%d errors), lost %d, duplicated %d, served twice %d, evaluated once %d/%d,"
                        + " no answer for %.1f s, slowest request %.1f s (before the fault %.1f s)%n",
                result.answered(), n, result.failed(), result.lost(), result.duplicated(), result.servedTwice(), result.evaluated(),
                result.imaged(), seconds(result.stall()), seconds(result.slowestAfter()), seconds(result.slowestBefore()));
        return result;
    }

    /**
     * A few requests answered before the load starts: the first batches of a fresh process pay its
     * graphs' and consumers' warm-up, which is not the fault's stall.
     */
    private void warmUp(DdtClient ddt, String runId) throws Exception {
        List<CompletableFuture<SpecificRecord>> answers = new ArrayList<>();
        for (GenerationRequest r : suite.generates(WARM_UP_REQUESTS, runId)) {
            answers.add(ddt.submit(r));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
    }

    /** Strikes the fault's process now and schedules its undoing: the supervisor's restart, or SIGCONT. */
    private ScheduledFuture<?> inject(Fault fault, Load load, ScheduledExecutorService timer) throws Exception {
        ProcessHandle p = cluster.process(fault.process())
                .orElseThrow(() -> new IllegalStateException(fault.process() + " is not running: nothing to strike"));
        return switch (fault.action()) {
            case KILL -> {
                p.destroyForcibly(); // SIGKILL
                p.onExit().get(30, TimeUnit.SECONDS);
                yield timer.schedule(() -> cluster.start(fault.process()), load.restartAfter().toMillis(), TimeUnit.MILLISECONDS);
            }
            case STOP -> {
                signal("STOP", p.pid());
                yield timer.schedule(() -> signal("CONT", p.pid()), load.stopFor().toMillis(), TimeUnit.MILLISECONDS);
            }
        };
    }

    /** {@code kill -SIG pid}: Java signals only TERM and KILL itself. */
    private static Void signal(String signal, long pid) throws IOException, InterruptedException {
        int status = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
        if (status != 0) {
            throw new IOException("kill -" + signal + " " + pid + " exited " + status);
        }
        return null;
    }

    /** When a request was sent and when its answer came, in {@link System#nanoTime()}. */
    record Timing(long sent, long answered) {
    }

    /** The longest wait of the requests answered when {@code which} holds. */
    static Duration slowest(Collection<Timing> timings, Predicate<Timing> which) {
        return Duration.ofNanos(timings.stream().filter(which).mapToLong(t -> t.answered() - t.sent()).max().orElse(0));
    }

    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    /** The longest time between two answers before the fault: the load's own unevenness. */
    static Duration normalGap(List<Long> sortedNanos, long faultAt) {
        long longest = 0;
        for (int i = 1; i < sortedNanos.size() && sortedNanos.get(i) < faultAt; i++) {
            longest = Math.max(longest, sortedNanos.get(i) - sortedNanos.get(i - 1));
        }
        return Duration.ofNanos(longest);
    }

    /** The longest time without an answer from the fault on, counting from the fault itself. */
    static Duration stall(List<Long> sortedNanos, long faultAt) {
        long longest = 0;
        long previous = faultAt;
        for (long t : sortedNanos) {
            if (t >= faultAt) {
                longest = Math.max(longest, t - previous);
                previous = t;
            }
        }
        return Duration.ofNanos(longest);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
