package dev.ddtstream.client.api;

import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.TokenResult;
import dev.ddtstream.schemas.PayloadLimit;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.TopicReader;
import dev.ddtstream.schemas.Topics;
import dev.ddtstream.schemas.registry.SchemaRegistryConfig;
import dev.ddtstream.schemas.wire.ConfluentAvroSerializer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes requests to {@code ddt.requests} and completes each returned future with the
 * request's terminal result, read ({@code read_committed}) from the image, caption, token and
 * error topics and matched by request id. An error result completes the future exceptionally with a
 * {@link RequestFailedException}. Thread-safe; one instance serves a whole application.
 *
 * <pre>{@code
 * try (DdtClient ddt = DdtClient.connect(Map.of("bootstrap.servers", "127.0.0.1:9092",
 *                                               "schema.registry.url", "http://127.0.0.1:8081"))) {
 *     ImageResult image = ddt.generate("two red circles", RequestOptions.defaults()).get();
 * }
 * }</pre>
 */
public final class DdtClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DdtClient.class);
    /** Where terminal results arrive. */
    static final List<Topic<?>> RESULTS = List.of(Topics.IMAGE_RESULTS, Topics.CAPTION_RESULTS, Topics.TOKEN_RESULTS,
            Topics.ERROR_RESULTS);

    private final Producer<String, GenerationRequest> producer;
    private final TopicReader results;
    private final PayloadLimit payload;
    private final Map<String, CompletableFuture<SpecificRecord>> pending = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean open = true;

    DdtClient(Producer<String, GenerationRequest> producer, TopicReader results, PayloadLimit payload) {
        this.producer = producer;
        this.results = results;
        this.payload = payload;
        this.reader = new Thread(this::readResults, "ddt-client-results");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Connects with Kafka client properties (passed through untouched: SASL, TLS), the registry's
     * ({@code schema.registry.url}, {@code basic.auth.*}) and the deployment's payload limit
     * ({@value PayloadLimit#KEY}, 8 MiB by default).
     */
    public static DdtClient connect(Map<String, Object> properties) {
        PayloadLimit payload = PayloadLimit.from(properties);
        Map<String, Object> p = new HashMap<>(properties);
        p.remove(PayloadLimit.KEY);
        p.putAll(payload.producerProperties());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        KafkaProducer<String, GenerationRequest> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ConfluentAvroSerializer<>(SchemaRegistryConfig.clientFrom(properties)));
        // results published from now on: every partition's position is fixed before any request goes out
        Map<String, Object> c = new HashMap<>(properties);
        c.remove(PayloadLimit.KEY);
        return new DdtClient(producer, TopicReader.assign(c, RESULTS, TopicReader.Start.END), payload);
    }

    public CompletableFuture<ImageResult> generate(String prompt, RequestOptions options) {
        return submit(request(RequestKind.GENERATE, prompt, null, options)).thenApply(ImageResult.class::cast);
    }

    public CompletableFuture<ImageResult> edit(byte[] image, String instruction, RequestOptions options) {
        return submit(request(RequestKind.EDIT, instruction, image, options)).thenApply(ImageResult.class::cast);
    }

    /** {@code question} may be null or empty: then the caption describes the image. */
    public CompletableFuture<CaptionResult> caption(byte[] image, String question, RequestOptions options) {
        return submit(request(RequestKind.CAPTION, question, image, options)).thenApply(CaptionResult.class::cast);
    }

    /** The image's T DDT tokens (V_1..V_T), for preparing training corpora. */
    public CompletableFuture<TokenResult> tokenize(byte[] image, RequestOptions options) {
        return submit(request(RequestKind.TOKENIZE, null, image, options)).thenApply(TokenResult.class::cast);
    }

    /**
     * Publishes a request as given and returns its terminal result: an {@link ImageResult}, a
     * {@link CaptionResult} or a {@link TokenResult}; an error result fails the future with
     * {@link RequestFailedException}, an image over the payload limit with {@link PayloadTooLargeException}
     * (not sent), a record the cluster refuses with the producer's error.
     */
    public CompletableFuture<SpecificRecord> submit(GenerationRequest request) {
        CompletableFuture<SpecificRecord> result = new CompletableFuture<>();
        String id = request.getRequestId();
        if (request.getImage() != null && request.getImage().remaining() > payload.maxImageBytes()) {
            result.completeExceptionally(new PayloadTooLargeException(id, request.getImage().remaining(), payload));
            return result;
        }
        if (pending.putIfAbsent(id, result) != null) {
            throw new IllegalArgumentException("request " + id + " is already waiting for its result");
        }
        producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), id, request), (md, e) -> {
            if (e != null) {
                pending.remove(id);
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static GenerationRequest request(RequestKind kind, String prompt, byte[] image, RequestOptions o) {
        long now = System.currentTimeMillis();
        return GenerationRequest.newBuilder()
                .setRequestId(o.requestId() != null ? o.requestId() : UUID.randomUUID().toString())
                .setKind(kind)
                .setPrompt(prompt)
                .setImage(image == null ? null : ByteBuffer.wrap(image))
                .setSampling(o.sampling())
                .setSeed(o.seed() != null ? o.seed() : 0L)
                .setDeadlineMs(o.deadline() == null ? null : now + o.deadline().toMillis())
                .setCreatedAtMs(now)
                .setBenchmark(o.benchmark())
                .setSamplerSteps(o.samplerSteps())
                .build();
    }

    private void readResults() {
        try {
            while (open) {
                for (TopicReader.Received r : results.poll(Duration.ofMillis(200))) {
                    CompletableFuture<SpecificRecord> f = r.key() == null ? null : pending.remove(r.key());
                    if (f != null) { // else another client's request
                        complete(f, r);
                    }
                }
            }
        } catch (WakeupException e) {
            // close()
        } catch (RuntimeException e) {
            log.error("result reader stopped: {}", e.toString(), e);
            pending.values().forEach(f -> f.completeExceptionally(e));
        } finally {
            results.close();
        }
    }

    private static void complete(CompletableFuture<SpecificRecord> f, TopicReader.Received r) {
        if (!r.readable()) {
            f.completeExceptionally(r.error());
        } else if (r.topic().equals(Topics.ERROR_RESULTS)) {
            f.completeExceptionally(new RequestFailedException(r.value(Topics.ERROR_RESULTS)));
        } else {
            f.complete(r.value());
        }
    }

    @Override
    public void close() {
        open = false;
        results.wakeup();
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("client closed before the result came")));
    }
}
