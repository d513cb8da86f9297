package dev.ddtstream.orchestration;

import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.events.RequestStatus;
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one processor of an orchestrator. Requests arrive as raw bytes (so that an unreadable one
 * is answered, not fatal); stage results and error results arrive typed. Each request of the
 * flow's kinds gets a {@link RequestState} in the store; every event moves it one step, and a
 * request already DONE or FAILED takes no further step: that, with {@code exactly_once_v2},
 * is what makes its terminal result the only one. Deadlines are checked at admission and at
 * every stage result (the GPU workers check them when they pick a job up).
 */
final class RequestLifecycle implements Processor<String, Object, String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(RequestLifecycle.class);
    /** Stage results that arrived for a request no longer waiting for that stage. */
    static final String STALE_RESULTS = "stale-stage-results-total";

    private final Flow flow;
    private final RequestValidator validator;
    private final Deserializer<GenerationRequest> requests;
    private final Duration retention;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, RequestState> store;
    private Sensor stale;

    RequestLifecycle(Flow flow, RequestValidator validator, Deserializer<GenerationRequest> requests, Duration retention) {
        this.flow = flow;
        this.validator = validator;
        this.requests = requests;
        this.retention = retention;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.store = context.getStateStore(Orchestrator.STORE);
        this.stale = context.metrics().addSensor("stale-stage-results", Sensor.RecordingLevel.INFO);
        stale.add(new MetricName(STALE_RESULTS, "ddt-orchestrator", "stage results ignored: the request had moved on",
                Map.of("flow", flow.name())), new CumulativeCount());
        context.schedule(Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME, this::forgetOldRequests);
    }

    @Override
    public void process(Record<String, Object> record) {
        Object v = record.value();
        if (v instanceof byte[] raw) {
            admit(record.key(), raw);
        } else if (v instanceof EncoderResult r) {
            advance(r.getRequestId(), r.getKind(), RequestStatus.ENCODING, r.getTiming(), s -> flow.encoded(s, r));
        } else if (v instanceof LlamaResult r) {
            advance(r.getRequestId(), r.getKind(), RequestStatus.DECODING, r.getTiming(), s -> flow.decoded(s, r));
        } else if (v instanceof MmditResult r) {
            advance(r.getRequestId(), r.getKind(), RequestStatus.RENDERING, r.getTiming(), s -> flow.rendered(s, r));
        } else if (v instanceof ErrorResult e) {
            failedElsewhere(e);
        }
    }

    private void admit(String key, byte[] raw) {
        long now = context.currentSystemTimeMs();
        GenerationRequest r;
        try {
            r = requests.deserialize(Topics.REQUESTS.name(), raw);
            if (r == null) {
                throw new SerializationException("request record has no value");
            }
        } catch (RegistryUnreachableException e) {
            throw e; // not the request's fault: the replaced stream thread reads it again (OrchestratorApp)
        } catch (SerializationException e) {
            if (flow.answersUnreadable()) {
                if (key != null) {
                    emit(key, error(key, null, ErrorReason.UNDECODABLE_RECORD, e.getMessage(), now));
                }
                emit(key != null ? key : Topics.REQUESTS.name(), deadLetter(key, raw, key, ErrorReason.UNDECODABLE_RECORD, e.getMessage(), now));
            }
            return;
        }
        if (!flow.handles(r.getKind())) {
            return;
        }
        String id = r.getRequestId();
        if (store.get(id) != null) {
            log.debug("duplicate request {} ignored: it is answered once", id);
            return;
        }
        RequestState s = RequestState.newBuilder()
                .setRequestId(id).setKind(r.getKind()).setStatus(RequestStatus.ACCEPTED)
                .setPrompt(r.getPrompt()).setSeed(r.getSeed()).setSampling(r.getSampling())
                .setTimings(new ArrayList<>()).setDeadlineMs(r.getDeadlineMs())
                .setCreatedAtMs(r.getCreatedAtMs()).setUpdatedAtMs(now).setBenchmark(r.getBenchmark())
                .setSamplerSteps(r.getSamplerSteps())
                .build();
        Optional<RequestValidator.Rejection> rejected = validator.check(r, now);
        if (rejected.isPresent()) {
            RequestValidator.Rejection no = rejected.get();
            fail(s, no.reason(), no.message(), now);
            if (no.reason() != ErrorReason.DEADLINE_EXCEEDED) {
                emit(id, deadLetter(key, raw, id, no.reason(), no.message(), now));
            }
        } else {
            take(s, flow.admit(r, s));
        }
        store.put(id, s);
    }

    private void advance(String id, RequestKind kind, RequestStatus waitingFor, StageTiming timing,
                         Function<RequestState, Step> next) {
        if (!flow.handles(kind)) {
            return;
        }
        RequestState s = store.get(id);
        if (s == null) {
            return; // not ours: admitted by another deployment, or forgotten after the retention
        }
        if (s.getStatus() != waitingFor) {
            stale.record();
            log.debug("{}: {} result for {} ignored, the request is {}", flow.name(), timing.getStage(), id, s.getStatus());
            return;
        }
        long now = context.currentSystemTimeMs();
        s.getTimings().add(timing);
        if (s.getDeadlineMs() != null && s.getDeadlineMs() <= now) {
            fail(s, ErrorReason.DEADLINE_EXCEEDED, "deadline passed " + (now - s.getDeadlineMs()) + " ms before the "
                    + timing.getStage() + " result arrived", now);
        } else {
            take(s, next.apply(s));
        }
        s.setUpdatedAtMs(now);
        store.put(id, s);
    }

    /** A GPU stage refused the request and published its error result: the request is over. */
    private void failedElsewhere(ErrorResult e) {
        if (e.getStage() == Stage.ORCHESTRATION || e.getKind() == null || !flow.handles(e.getKind())) {
            return;
        }
        RequestState s = store.get(e.getRequestId());
        if (s == null || terminal(s)) {
            return;
        }
        s.setStatus(RequestStatus.FAILED);
        s.setFailure(e.getReason());
        s.setFailureMessage(e.getMessage());
        s.setUpdatedAtMs(context.currentSystemTimeMs());
        store.put(e.getRequestId(), s);
    }

    private void take(RequestState s, Step step) {
        emit(s.getRequestId(), step.record());
        s.setStatus(step.status());
    }

    private void fail(RequestState s, ErrorReason reason, String message, long now) {
        emit(s.getRequestId(), error(s.getRequestId(), s.getKind(), reason, message, now));
        s.setStatus(RequestStatus.FAILED);
        s.setFailure(reason);
        s.setFailureMessage(message);
    }

    private void emit(String key, SpecificRecord value) {
        context.forward(new Record<>(key, value, context.currentSystemTimeMs()), Orchestrator.sinkFor(value));
    }

    private ErrorResult error(String id, RequestKind kind, ErrorReason reason, String message, long now) {
        return ErrorResult.newBuilder().setRequestId(id).setKind(kind).setReason(reason).setMessage(message)
                .setStage(Stage.ORCHESTRATION).setFailedAtMs(now).build();
    }

    private DeadLetter deadLetter(String key, byte[] raw, String id, ErrorReason reason, String message, long now) {
        Optional<RecordMetadata> m = context.recordMetadata();
        return DeadLetter.newBuilder()
                .setSourceTopic(m.map(RecordMetadata::topic).orElse(Topics.REQUESTS.name()))
                .setPartition(m.map(RecordMetadata::partition).orElse(-1))
                .setOffset(m.map(RecordMetadata::offset).orElse(-1L))
                .setKey(key == null ? null : ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)))
                .setValue(raw == null ? null : ByteBuffer.wrap(raw))
                .setRequestId(id).setStage(Stage.ORCHESTRATION).setReason(reason).setMessage(message)
                .setFailedAtMs(now).build();
    }

    private static boolean terminal(RequestState s) {
        return s.getStatus() == RequestStatus.DONE || s.getStatus() == RequestStatus.FAILED;
    }

    /** Answered requests are remembered for {@code retention}, so a duplicate within it is not answered again. */
    private void forgetOldRequests(long now) {
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, RequestState> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, RequestState> e = all.next();
                if (terminal(e.value) && e.value.getUpdatedAtMs() < now - retention.toMillis()) {
                    old.add(e.key);
                }
            }
        }
        old.forEach(store::delete);
        if (!old.isEmpty()) {
            log.debug("{}: forgot {} requests answered over {} ago", flow.name(), old.size(), retention);
        }
    }
}
