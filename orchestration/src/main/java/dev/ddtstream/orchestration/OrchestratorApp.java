package dev.ddtstream.orchestration;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * A running orchestrator: its Kafka Streams instance ({@code exactly_once_v2}) over the
 * {@link Orchestrator} topology, the bundle's prompt templates, and the status endpoint.
 */
public final class OrchestratorApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OrchestratorApp.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final PromptTemplates templates;
    private final KafkaStreams streams;
    private final StatusServer status;

    private OrchestratorApp(String name, PromptTemplates templates, KafkaStreams streams, StatusServer status) {
        this.name = name;
        this.templates = templates;
        this.streams = streams;
        this.status = status;
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
        StatusServer status = config.statusPort() < 0 ? null : StatusServer.start(config.statusHost(), config.statusPort(),
                id -> lookup(streamsRef[0], self[0], id));
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        if (status != null) {
            String[] hostPort = status.baseUrl().substring("http://".length()).split(":");
            self[0] = new HostInfo(hostPort[0], Integer.parseInt(hostPort[1]));
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self[0].host() + ":" + self[0].port());
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
            log.error("{}: stream thread failed, replacing it: {}", flow.name(), e.toString(), e);
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
            if (status != null) {
                status.close();
            }
            templates.close();
            throw new IllegalStateException(config.applicationId() + " did not reach RUNNING within " + START_TIMEOUT.toSeconds() + " s");
        }
        log.info("{} running (application id {}, status {})", flow.name(), config.applicationId(),
                status == null ? "off" : status.baseUrl() + "/requests/{id}");
        return new OrchestratorApp(flow.name(), templates, streams, status);
    }

    private static StatusServer.Lookup lookup(KafkaStreams streams, HostInfo self, String id) {
        if (streams == null) {
            throw new IllegalStateException("starting");
        }
        KeyQueryMetadata md = streams.queryMetadataForKey(Orchestrator.STORE, id, new StringSerializer());
        if (self != null && md != null && md != KeyQueryMetadata.NOT_AVAILABLE && !md.activeHost().equals(self)) {
            return new StatusServer.Lookup.Elsewhere("http://" + md.activeHost().host() + ":" + md.activeHost().port());
        }
        return new StatusServer.Lookup.Here(Optional.ofNullable(store(streams).get(id)));
    }

    private static ReadOnlyKeyValueStore<String, RequestState> store(KafkaStreams streams) {
        return streams.store(StoreQueryParameters.fromNameAndType(Orchestrator.STORE, QueryableStoreTypes.keyValueStore()));
    }

    /** The status endpoint's base URL ({@code GET <url>/requests/{id}}), if it runs. */
    public Optional<String> statusUrl() {
        return Optional.ofNullable(status).map(StatusServer::baseUrl);
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        if (status != null) {
            status.close();
        }
        templates.close();
        log.info("{} stopped", name);
    }
}
