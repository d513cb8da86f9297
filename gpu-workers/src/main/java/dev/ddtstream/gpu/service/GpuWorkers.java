package dev.ddtstream.gpu.service;

import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.encoder.DdtEncoder;
import dev.ddtstream.gpu.llama.LlamaDecoder;
import dev.ddtstream.gpu.mmdit.MmditSampler;
import dev.ddtstream.gpu.pool.BatchObserver;
import dev.ddtstream.gpu.pool.BatchedStage;
import dev.ddtstream.gpu.pool.EncoderStage;
import dev.ddtstream.gpu.pool.LlamaStage;
import dev.ddtstream.gpu.pool.MetricsRoute;
import dev.ddtstream.gpu.pool.MmditStage;
import dev.ddtstream.gpu.pool.PoolSettings;
import dev.ddtstream.gpu.pool.WorkerPool;
import dev.ddtstream.gpu.runtime.SessionFactory;
import dev.ddtstream.service.ServiceHttp;
import dev.ddtstream.service.ServiceMain;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gpu-workers service: its HTTP port first ({@code /health}, {@code /ready}, {@code /metrics},
 * so that a port already taken stops it before it joins any group), then the model bundle, loaded
 * once, and a {@link WorkerPool} per configured stage (the pools share the bundle's ONNX Runtime
 * sessions). {@link #close()} stops the pools gracefully, then the port and the bundle.
 *
 * <p>Run it alone with {@code java -cp ... dev.ddtstream.gpu.service.GpuWorkers [config.properties]}:
 * then a worker the pools give up ends the process with exit status {@value #EXIT_GAVE_UP}, for its
 * supervisor to restart it. {@code ddt demo} and {@code ddt serve} start it embedded.
 */
public final class GpuWorkers implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GpuWorkers.class);
    /** The exit status of a process whose pool gave a worker up. */
    public static final int EXIT_GAVE_UP = 70;

    private final ModelBundle bundle;
    private final PrometheusMeterRegistry meters;
    private final Map<Stage, WorkerPool<?>> pools;
    private final ServiceHttp http;

    private GpuWorkers(ModelBundle bundle, PrometheusMeterRegistry meters, Map<Stage, WorkerPool<?>> pools, ServiceHttp http) {
        this.bundle = bundle;
        this.meters = meters;
        this.pools = pools;
        this.http = http;
    }

    public static GpuWorkers start(GpuWorkersConfig config) {
        return start(config, BatchObserver.NONE, failure -> { });
    }

    /**
     * Starts the configured pools.
     *
     * @param observer sees each batch before its commit (fault-injection tests)
     * @param onGiveUp called when a pool gives a worker up (the pool is then unhealthy)
     */
    public static GpuWorkers start(GpuWorkersConfig config, BatchObserver observer, Consumer<Throwable> onGiveUp) {
        Map<Stage, WorkerPool<?>> pools = new ConcurrentHashMap<>();
        ServiceHttp http = config.httpPort() < 0 ? null : ServiceHttp.start("gpu-workers", config.httpHost(), config.httpPort(),
                "http.port", () -> health(pools, config), () -> ready(pools, config));
        ModelBundle bundle = null;
        try {
            bundle = ModelBundle.load(config.bundle(), new SessionFactory(config.runtime()));
            PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(meters);
            new ProcessorMetrics().bindTo(meters);
            for (Map.Entry<Stage, PoolSettings> e : config.pools().entrySet()) {
                pools.put(e.getKey(), WorkerPool.start(stageFor(e.getKey(), bundle), e.getValue(),
                        config.clientProperties(), meters, observer, onGiveUp));
            }
            if (http != null) {
                http.route("/metrics", MetricsRoute.of(meters));
            }
            log.info("gpu-workers up: bundle {} on {}, stages {}", config.bundle().getFileName(), bundle.sessionFactory().device(),
                    pools.keySet());
            return new GpuWorkers(bundle, meters, pools, http);
        } catch (RuntimeException e) {
            pools.values().forEach(WorkerPool::close);
            if (bundle != null) {
                bundle.close();
            }
            if (http != null) {
                http.close();
            }
            throw e;
        }
    }

    private static ServiceHttp.Check health(Map<Stage, WorkerPool<?>> pools, GpuWorkersConfig config) {
        for (WorkerPool<?> p : pools.values()) {
            if (!p.healthy()) {
                return ServiceHttp.Check.down(p.stage() + " pool gave a worker up: " + p.failure());
            }
        }
        return ServiceHttp.Check.up(pools.size() + " of " + config.pools().size() + " pools started");
    }

    private static ServiceHttp.Check ready(Map<Stage, WorkerPool<?>> pools, GpuWorkersConfig config) {
        if (pools.size() < config.pools().size()) {
            return ServiceHttp.Check.down("starting");
        }
        for (WorkerPool<?> p : pools.values()) {
            if (!p.ready()) {
                return ServiceHttp.Check.down(p.stage() + " pool has not joined its group");
            }
        }
        return ServiceHttp.Check.up("every worker polls its job topic");
    }
    private static BatchedStage<?> stageFor(Stage stage, ModelBundle bundle) {
        return switch (stage) {
            case ENCODER -> new EncoderStage(new DdtEncoder(bundle));
            case LLAMA -> new LlamaStage(new LlamaDecoder(bundle), bundle.manifest().decoding().captionMaxNewTokens());
            case MMDIT -> new MmditStage(new MmditSampler(bundle));
            case ORCHESTRATION -> throw new IllegalArgumentException("ORCHESTRATION is not a GPU stage");
        };
    }

    public WorkerPool<?> pool(Stage stage) {
        WorkerPool<?> p = pools.get(stage);
        if (p == null) {
            throw new IllegalArgumentException("stage " + stage + " is not running here");
        }
        return p;
    }

    /** The Prometheus scrape's URL, if the HTTP port is on. */
    public Optional<String> metricsUrl() {
        return Optional.ofNullable(http).map(h -> h.baseUrl() + "/metrics");
    }

    /** The HTTP port's base URL ({@code /health}, {@code /ready}, {@code /metrics}), if it is on. */
    public Optional<String> httpUrl() {
        return Optional.ofNullable(http).map(ServiceHttp::baseUrl);
    }

    /** The current Prometheus scrape, as the endpoint serves it. */
    public String scrape() {
        return meters.scrape();
    }

    @Override
    public void close() {
        List<WorkerPool<?>> all = new ArrayList<>(pools.values());
        // stop in parallel: each pool finishes its in-flight batch
        List<Thread> stoppers = new ArrayList<>();
        for (WorkerPool<?> p : all) {
            Thread t = new Thread(p::close, "stop-" + p.stage());
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (http != null) {
            http.close();
        }
        bundle.close();
        log.info("gpu-workers stopped");
    }

    /** Runs the service until the process is asked to stop, or exits when a pool gives a worker up. */
    public static void main(String[] args) throws InterruptedException {
        GpuWorkers workers = start(GpuWorkersConfig.load(ServiceMain.configFile(args)), BatchObserver.NONE, failure -> {
            log.error("a pool gave a worker up; exiting with status {} for the supervisor to restart the process", EXIT_GAVE_UP);
            ServiceMain.exit(EXIT_GAVE_UP);
        });
        ServiceMain.runUntilShutdown("gpu-workers", workers);
    }
}
