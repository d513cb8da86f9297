package dev.ddtstream.evaluator.live;

import dev.ddtstream.evaluator.geneval.ResultScorer;
import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.StageEvent;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the evaluator's input topics into {@link Observation}s, scoring results on the way (the
 * scorer needs the image, which should not travel further). A record that cannot be read or
 * scored is logged and skipped: bad input never stops the job.
 */
final class ObservationDeserializer implements KafkaRecordDeserializationSchema<Observation> {

    private static final Logger log = LoggerFactory.getLogger(ObservationDeserializer.class);

    private final EvaluatorTopics topics;
    private final Map<String, String> registry;
    private final ResultScorer scorer;
    private transient ConfluentAvroDeserializer<ImageResult> images;
    private transient ConfluentAvroDeserializer<CaptionResult> captions;
    private transient ConfluentAvroDeserializer<ErrorResult> errors;
    private transient ConfluentAvroDeserializer<StageEvent> stages;
    private transient ConfluentAvroDeserializer<DeadLetter> deadLetters;

    ObservationDeserializer(EvaluatorTopics topics, Map<String, String> registry, ResultScorer scorer) {
        this.topics = topics;
        this.registry = registry;
        this.scorer = scorer;
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
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Observation> out) {
        String topic = record.topic();
        long now = System.currentTimeMillis();
        try {
            if (topic.equals(topics.images())) {
                ImageResult r = images.deserialize(topic, record.value());
                out.collect(result(r.getRequestId(), r.getKind().name(), r.getCreatedAtMs(), r.getCompletedAtMs(), r.getTimings(),
                        scorer.score(r, now)));
            } else if (topic.equals(topics.captions())) {
                CaptionResult r = captions.deserialize(topic, record.value());
                out.collect(result(r.getRequestId(), "CAPTION", r.getCreatedAtMs(), r.getCompletedAtMs(), r.getTimings(),
                        scorer.score(r, now)));
            } else if (topic.equals(topics.errors())) {
                ErrorResult e = errors.deserialize(topic, record.value());
                Observation o = Observation.of(Observation.Type.ERROR, e.getFailedAtMs());
                o.requestId = e.getRequestId();
                o.kind = e.getKind() == null ? null : e.getKind().name();
                o.reason = e.getReason().name();
                out.collect(o);
            } else if (topic.equals(topics.stageEvents())) {
                StageEvent e = stages.deserialize(topic, record.value());
                Observation o = Observation.of(Observation.Type.STAGE, e.getFinishedAtMs());
                o.kind = e.getStage().name();
                o.batchSize = e.getBatchSize();
                o.codes = Observation.ints(e.getVisualCodes());
                out.collect(o);
            } else if (topic.equals(topics.deadLetters())) {
                DeadLetter d = deadLetters.deserialize(topic, record.value());
                Observation o = Observation.of(Observation.Type.DEAD_LETTER, d.getFailedAtMs());
                o.requestId = d.getRequestId();
                o.reason = d.getReason().name();
                out.collect(o);
            }
        } catch (SerializationException | IllegalArgumentException e) {
            log.warn("skipped a record of {} partition {} offset {}: {}", topic, record.partition(), record.offset(), e.getMessage());
        }
    }

    private static Observation result(String id, String kind, long created, long completed, List<StageTiming> timings,
                                      Optional<EvaluationResult> evaluation) {
        Observation o = Observation.of(Observation.Type.RESULT, completed);
        o.requestId = id;
        o.kind = kind;
        o.latencyMs = completed - created;
        for (StageTiming t : timings) {
            o.stageLatencyMs.put(t.getStage().name(), t.getFinishedAtMs() - t.getEnqueuedAtMs());
        }
        evaluation.ifPresent(e -> {
            o.scored = true;
            o.suite = e.getSuite();
            o.task = e.getTask();
            o.promptId = e.getPromptId();
            o.correct = e.getCorrect();
            o.editL1 = e.getEditL1();
            o.editL2 = e.getEditL2();
            o.evaluatedAtMs = e.getEvaluatedAtMs();
            o.withChecks(e.getChecks());
        });
        return o;
    }

    @Override
    public TypeInformation<Observation> getProducedType() {
        return TypeInformation.of(Observation.class);
    }
}
