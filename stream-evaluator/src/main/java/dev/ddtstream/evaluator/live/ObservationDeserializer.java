package dev.ddtstream.evaluator.live;

import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.StageEvent;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.schemas.registry.RegistryUnreachableException;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the evaluator's input topics into {@link Observation}s: nothing more (scoring is the next
 * operator's). A record that cannot be read is logged and skipped: bad input never stops the job,
 * and the stage that produced it has already counted it (a dead letter or an error result). A
 * registry that does not answer is not bad input: the job fails, and restarts from its last
 * checkpoint to read the same records again once the registry is back.
 */
final class ObservationDeserializer implements KafkaRecordDeserializationSchema<Observation> {

    private static final Logger log = LoggerFactory.getLogger(ObservationDeserializer.class);

    private final EvaluatorTopics topics;
    private final Map<String, String> registry;
    private transient ConfluentAvroDeserializer<ImageResult> images;
    private transient ConfluentAvroDeserializer<CaptionResult> captions;
    private transient ConfluentAvroDeserializer<ErrorResult> errors;
    private transient ConfluentAvroDeserializer<StageEvent> stages;
    private transient ConfluentAvroDeserializer<DeadLetter> deadLetters;

    ObservationDeserializer(EvaluatorTopics topics, Map<String, String> registry) {
        this.topics = topics;
        this.registry = registry;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        var client = SchemaRegistryConfig.clientFrom(registry);
        images = new ConfluentAvroDeserializer<>(client, ImageResult.class);
        captions = new ConfluentAvroDeserializer<>(client, CaptionResult.class);
        errors = new ConfluentAvroDeserializer<>(client, ErrorResult.class);
        stages = new ConfluentAvroDeserializer<>(client, StageEvent.class);
        deadLetters = new ConfluentAvroDeserializer<>(client, DeadLetter.class);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Observation> out) throws IOException {
        String topic = record.topic();
        try {
            if (topic.equals(topics.images())) {
                out.collect(of(images.deserialize(topic, record.value())));
            } else if (topic.equals(topics.captions())) {
                out.collect(of(captions.deserialize(topic, record.value())));
            } else if (topic.equals(topics.errors())) {
                out.collect(of(errors.deserialize(topic, record.value())));
            } else if (topic.equals(topics.stageEvents())) {
                out.collect(of(stages.deserialize(topic, record.value())));
            } else if (topic.equals(topics.deadLetters())) {
                out.collect(of(deadLetters.deserialize(topic, record.value())));
            } else {
                throw new IllegalStateException("the evaluator does not read topic " + topic);
            }
        } catch (RegistryUnreachableException e) {
            throw new IOException("the schema registry does not answer; the job restarts from its last checkpoint", e);
        } catch (SerializationException e) {
            log.warn("skipped an unreadable record of {} partition {} offset {}: {}", topic, record.partition(), record.offset(),
                    e.getMessage());
        }
    }

    static Observation of(ImageResult r) {
        Observation o = result(r.getRequestId(), r.getKind().name(), r.getCreatedAtMs(), r.getCompletedAtMs(), r.getTimings());
        o.image = r;
        return o;
    }

    static Observation of(CaptionResult r) {
        Observation o = result(r.getRequestId(), "CAPTION", r.getCreatedAtMs(), r.getCompletedAtMs(), r.getTimings());
        o.caption = r;
        return o;
    }

    static Observation of(ErrorResult e) {
        Observation o = Observation.of(Observation.Type.ERROR, e.getFailedAtMs());
        o.requestId = e.getRequestId();
        o.kind = e.getKind() == null ? null : e.getKind().name();
        o.reason = e.getReason().name();
        return o;
    }

    static Observation of(StageEvent e) {
        Observation o = Observation.of(Observation.Type.STAGE, e.getFinishedAtMs());
        o.kind = e.getStage().name();
        o.batchSize = e.getBatchSize();
        o.codes = Observation.ints(e.getVisualCodes());
        return o;
    }

    static Observation of(DeadLetter d) {
        Observation o = Observation.of(Observation.Type.DEAD_LETTER, d.getFailedAtMs());
        o.requestId = d.getRequestId();
        o.reason = d.getReason().name();
        return o;
    }

    private static Observation result(String id, String kind, long created, long completed, List<StageTiming> timings) {
        Observation o = Observation.of(Observation.Type.RESULT, completed);
        o.requestId = id;
        o.kind = kind;
        o.latencyMs = completed - created;
        for (StageTiming t : timings) {
            o.stageLatencyMs.put(t.getStage().name(), t.getFinishedAtMs() - t.getEnqueuedAtMs());
        }
        return o;
    }

    @Override
    public TypeInformation<Observation> getProducedType() {
        return TypeInformation.of(Observation.class);
    }
}
