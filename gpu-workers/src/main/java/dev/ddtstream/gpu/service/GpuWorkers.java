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
import dev.ddtstream.gpu.pool.MetricsEndpoint;
import dev.ddtstream.gpu.pool.MmditStage;
import dev.ddtstream.gpu.pool.PoolSettings;
import dev.ddtstream.gpu.pool.WorkerPool;
import dev.ddtstream.gpu.runtime.SessionFactory;
import dev.ddtstream.service.ServiceMain;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gpu-workers service: loads the model bundle once, starts a {@link WorkerPool} per configured
 * stage (the pools share the bundle's ONNX Runtime sessions) and the Prometheus endpoint.
 * {@link #close()} stops the pools gracefully, then the endpoint and the bundle.
 *
 * <p>Run it alone with {@code java -cp ... dev.ddtstream.gpu.service.GpuWorkers [config.properties]};
 * {@code ddt demo} and {@code ddt serve} start it embedded.
 */
public final class GpuWorkers implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GpuWorkers.class);

    private final ModelBundle bundle;
    private final PrometheusMeterRegistry meters;
    private final Map<Stage, WorkerPool<?>> pools;
    private final MetricsEndpoint endpoint;

    private GpuWorkers(ModelBundle bundle, PrometheusMeterRegistry meters, Map<Stage, WorkerPool<?>> pools,
                       MetricsEndpoint endpoint) {
        this.bundle = bundle;
        this.meters = meters;
        this.pools = pools;
        this.endpoint = endpoint;
    }

    public static GpuWorkers start(GpuWorkersConfig config) {
        return start(config, BatchObserver.NONE);
    }

    /** Starts the configured pools; {@code observer} sees each batch before its commit (tests). */
    public static GpuWorkers start(GpuWorkersConfig config, BatchObserver observer) {
        Path dir = config.bundle();
        ModelBundle bundle = ModelBundle.load(dir, new SessionFactory(config.runtime()));
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        Map<Stage, WorkerPool<?>> pools = new EnumMap<>(Stage.class);
        MetricsEndpoint endpoint = null;
        try {
            for (Map.Entry<Stage, PoolSettings> e : config.pools().entrySet()) {
                pools.put(e.getKey(), WorkerPool.start(stageFor(e.getKey(), bundle), e.getValue(),
                        config.clientProperties(), meters, observer));
            }
            if (config.metricsPort() >= 0) {
                endpoint = MetricsEndpoint.start(meters, config.metricsHost(), config.metricsPort());
            }
        } catch (RuntimeException e) {
            pools.values().forEach(WorkerPool::close);
            bundle.close();
            throw e;
        }
        log.info("gpu-workers up: bundle {} on {}, stages {}", dir.getFileName(), bundle.sessionFactory().device(), pools.keySet());
        return new GpuWorkers(bundle, meters, pools, endpoint);
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

    /** The Prometheus endpoint's URL, if one is running. */
    public Optional<String> metricsUrl() {
        return Optional.ofNullable(endpoint).map(MetricsEndpoint::url);
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
        if (endpoint != null) {
            endpoint.close();
        }
        bundle.close();
        log.info("gpu-workers stopped");
    }

    /** Runs the service until the process is asked to stop. */
    public static void main(String[] args) throws InterruptedException {
        ServiceMain.runUntilShutdown("gpu-workers", start(GpuWorkersConfig.load(ServiceMain.configFile(args))));
    }
}
