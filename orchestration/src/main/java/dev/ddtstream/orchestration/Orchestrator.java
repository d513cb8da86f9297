package dev.ddtstream.orchestration;

import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import dev.ddtstream.schemas.wire.ConfluentAvroSerde;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The topology of an orchestrator:
 * <pre>
 *   ddt.requests (bytes) ─┐
 *   ddt.encoder.results ──┤
 *   ddt.llama.results ────┼─► lifecycle ◄─► store "requests" (RequestState by id)
 *   ddt.mmdit.results ────┤        │
 *   ddt.results.errors ───┘        └─► encoder / llama / mmdit jobs, images, captions, tokens, errors, dead letters
 * </pre>
 * Every topic is keyed by request id with the same partition count, so one task owns all the
 * events of a request.
 */
public final class Orchestrator {

    /** The request-state store: queryable by id. */
    public static final String STORE = "requests";

    /** The topics a lifecycle may write to. */
    static final List<Topic<?>> OUTPUTS = List.of(Topics.ENCODER_JOBS, Topics.LLAMA_JOBS, Topics.MMDIT_JOBS,
            Topics.IMAGE_RESULTS, Topics.CAPTION_RESULTS, Topics.TOKEN_RESULTS, Topics.ERROR_RESULTS, Topics.DEAD_LETTERS);

    private Orchestrator() {
    }

    public static Topology topology(Flow flow, RequestValidator validator, SchemaRegistryClient registry,
                                    Map<String, ?> serdeConfig, Duration retention) {
        Topology t = new Topology();
        StringDeserializer keys = new StringDeserializer();
        List<String> sources = new ArrayList<>();
        t.addSource("requests", keys, new ByteArrayDeserializer(), Topics.REQUESTS.name());
        sources.add("requests");
        sources.add(typedSource(t, Topics.ENCODER_RESULTS, EncoderResult.class, registry));
        sources.add(typedSource(t, Topics.LLAMA_RESULTS, LlamaResult.class, registry));
        if (flow.rendersImages()) {
            sources.add(typedSource(t, Topics.MMDIT_RESULTS, MmditResult.class, registry));
        }
        sources.add(typedSource(t, Topics.ERROR_RESULTS, ErrorResult.class, registry));

        ConfluentAvroDeserializer<GenerationRequest> requests = new ConfluentAvroDeserializer<>(registry, GenerationRequest.class);
        t.addProcessor("lifecycle", () -> new RequestLifecycle(flow, validator, requests, retention), sources.toArray(String[]::new));
        ConfluentAvroSerde<RequestState> stateSerde = new ConfluentAvroSerde<>(registry, RequestState.class);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), stateSerde), "lifecycle");

        for (Topic<?> out : OUTPUTS) {
            ConfluentAvroSerializer<SpecificRecord> values = new ConfluentAvroSerializer<>(registry);
            values.configure(serdeConfig, false);
            t.addSink(sink(out), out.name(), new StringSerializer(), values, "lifecycle");
        }
        return t;
    }

    private static <V extends SpecificRecord> String typedSource(Topology t, Topic<V> topic, Class<V> type, SchemaRegistryClient registry) {
        String name = topic.name();
        t.addSource(name, new StringDeserializer(), new ConfluentAvroDeserializer<>(registry, type), name);
        return name;
    }

    /** The sink node that writes records of this value type. */
    static String sinkFor(SpecificRecord value) {
        for (Topic<?> out : OUTPUTS) {
            if (out.valueType().isInstance(value)) {
                return sink(out);
            }
        }
        throw new IllegalArgumentException("an orchestrator does not publish " + value.getClass().getSimpleName());
    }

    private static String sink(Topic<?> topic) {
        return "to-" + topic.name();
    }
}
