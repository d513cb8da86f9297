package dev.ddtstream.orchestration;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.service.ServiceHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running orchestrator: its HTTP port first ({@code /health}, {@code /ready},
 * {@code /requests/{id}}), then its Kafka Streams instance ({@code exactly_once_v2}) over the
 * {@link Orchestrator} topology with the bundle's prompt templates.
 *
 * <p>Failover: the instance is a static member of the app's group ({@code group.instance.id}
 * from the application server's host and port, or the configured {@code instance}), so a restart
 * takes its tasks back without a rebalance; a standby replica of the request store on another
 * instance takes over in seconds when one dies for good.
 */
public final class OrchestratorApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OrchestratorApp.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** Streams' commit interval unless the configuration sets {@code kafka.commit.interval.ms}. */
    static final int COMMIT_INTERVAL_MS = 30;
    /** How long a stream thread that met an unanswering registry waits before its replacement starts. */
    private static final Duration REGISTRY_RETRY = Duration.ofSeconds(1);

    private final String name;
    private final PromptTemplates templates;
    private final KafkaStreams streams;
    private final ServiceHttp http;

    private OrchestratorApp(String name, PromptTemplates templates, KafkaStreams streams, ServiceHttp http) {
        this.name = name;
        this.templates = templates;
        this.streams = streams;
        this.http = http;
    }

    /** Loads the bundle's templates, builds the flow from them, starts and waits until the app is RUNNING. */
    public static OrchestratorApp start(Function<PromptTemplates, Flow> flows, OrchestratorConfig config) throws InterruptedException {
        Path dir = Optional.ofNullable(config.bundle()).or(BundleLocator::locate).orElseThrow(() ->
                new IllegalArgumentException("no model bundle: set bundle (DDT_BUNDLE) or run from a checkout"));
        PromptTemplates templates = PromptTemplates.load(dir);
        Flow flow = flows.apply(templates);
        SchemaRegistryClient registry = SchemaRegistryConfig.clientFrom(config.clientProperties());

        KafkaStreams[] streamsRef = new KafkaStreams[1];
        HostInfo[] self = new HostInfo[1];
        ServiceHttp http = config.httpPort() < 0 ? null : ServiceHttp.start(flow.name(), config.httpHost(), config.httpPort(),
                "http.port", () -> health(streamsRef[0]), () -> ready(streamsRef[0]));
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        props.putIfAbsent(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1);
        // Each hop's result is readable downstream only once its transaction commits (read_committed),
        // so a request waits up to this per orchestrator hop. Streams' EOS default is 100 ms;
        // ddt bench pipeline: 30 ms cut the first answer from 1.7-1.9 s to 1.2 s with no loss of rate,
        // 10 ms cut it to 0.8 s but cost a quarter of the rate. kafka.commit.interval.ms overrides it.
        props.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        config.payload().producerProperties().forEach((k, v) -> props.put(StreamsConfig.producerPrefix(k), v));
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) config.sessionTimeout().toMillis());
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                (int) Math.max(500, config.sessionTimeout().toMillis() / 3));
        config.instance().ifPresent(instance ->
                props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instance));
        if (http != null) {
            self[0] = new HostInfo(config.httpHost(), http.port());
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self[0].host() + ":" + self[0].port());
            http.route("/requests/", StatusRoute.of(id -> lookup(streamsRef[0], self[0], id)));
        }
        RequestValidator validator = new RequestValidator(config.limits(), templates);
        KafkaStreams streams = new KafkaStreams(
                Orchestrator.topology(flow, validator, registry, config.clientProperties(), config.retention()),
                new StreamsConfig(props));
        streamsRef[0] = streams;
        CountDownLatch running = new CountDownLatch(1);
        // A failure outside the records' control (the registry away, a broker hiccup) replaces the
        // stream thread: with exactly_once_v2 its open transaction aborts and the new thread
        // resumes from the last commit, so nothing is lost or doubled. Bad records never get here.
        streams.setUncaughtExceptionHandler(e -> {
            if (registryAway(e)) {
                // the replacement would meet the same record at once: a pause instead of a hot loop while it is away
                log.warn("{}: the schema registry does not answer; the stream thread is replaced in {} ms", flow.name(),
                        REGISTRY_RETRY.toMillis());
                pause(REGISTRY_RETRY);
            } else {
                log.error("{}: stream thread failed, replacing it: {}", flow.name(), e.toString(), e);
            }
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.start();
        if (!running.await(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            streams.close(Duration.ofSeconds(10));
            if (http != null) {
                http.close();
            }
            templates.close();
            throw new IllegalStateException(config.applicationId() + " did not reach RUNNING within " + START_TIMEOUT.toSeconds() + " s");
        }
        log.info("{} running (application id {}, status {})", flow.name(), config.applicationId(),
                http == null ? "off" : http.baseUrl() + "/requests/{id}");
        return new OrchestratorApp(flow.name(), templates, streams, http);
    }

    private static ServiceHttp.Check health(KafkaStreams streams) {
        if (streams == null) {
            return ServiceHttp.Check.up("starting");
        }
        KafkaStreams.State state = streams.state();
        return state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
                ? ServiceHttp.Check.down("Kafka Streams " + state) : ServiceHttp.Check.up("Kafka Streams " + state);
    }

    private static ServiceHttp.Check ready(KafkaStreams streams) {
        KafkaStreams.State state = streams == null ? null : streams.state();
        return state == KafkaStreams.State.RUNNING ? ServiceHttp.Check.up("RUNNING") : ServiceHttp.Check.down("Kafka Streams " + state);
    }

    private static StatusRoute.Lookup lookup(KafkaStreams streams, HostInfo self, String id) {
        if (streams == null) {
            throw new IllegalStateException("starting");
        }
        KeyQueryMetadata md = streams.queryMetadataForKey(Orchestrator.STORE, id, new StringSerializer());
        if (self != null && md != null && md != KeyQueryMetadata.NOT_AVAILABLE && !md.activeHost().equals(self)) {
            return new StatusRoute.Lookup.Elsewhere("http://" + md.activeHost().host() + ":" + md.activeHost().port());
        }
        return new StatusRoute.Lookup.Here(Optional.ofNullable(store(streams).get(id)));
    }

    private static ReadOnlyKeyValueStore<String, RequestState> store(KafkaStreams streams) {
        return streams.store(StoreQueryParameters.fromNameAndType(Orchestrator.STORE, QueryableStoreTypes.keyValueStore()));
    }

    /** The HTTP port's base URL ({@code /health}, {@code /ready}, {@code /requests/{id}}), if it is on. */
    public Optional<String> httpUrl() {
        return Optional.ofNullable(http).map(ServiceHttp::baseUrl);
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        if (http != null) {
            http.close();
        }
        templates.close();
        log.info("{} stopped", name);
    }

    private static boolean registryAway(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RegistryUnreachableException) {
                return true;
            }
        }
        return false;
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
