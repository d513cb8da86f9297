package dev.ddtstream.gpu.pool;

import dev.ddtstream.schemas.registry.SchemaRegistryClient;
import dev.ddtstream.schemas.wire.ConfluentAvroDeserializer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both kinds of pool worker share: the two clients ({@link WorkerClients}), the lifecycle
 * (run until stopped, failed or killed; the clients closed at the end), and the transaction that
 * publishes served jobs with their offsets. Subclasses decide what to serve and when:
 * {@link StageWorker} batch by batch, {@link ContinuousWorker} step by step.
 */
abstract class TransactionalWorker<J extends SpecificRecord> implements PoolWorker {

    private static final Logger log = LoggerFactory.getLogger(TransactionalWorker.class);
    /** How long a poll may block while nothing waits: new records end it at once anyway. */
    protected static final Duration IDLE_POLL = Duration.ofMillis(500);
    /** How long a job whose schema the registry could not give waits before it is read again. */
    protected static final Duration REGISTRY_RETRY = Duration.ofSeconds(1);

    protected final BatchedStage<J> stage;
    protected final String workerId;
    protected final PoolMetrics metrics;
    protected final ConfluentAvroDeserializer<J> jobReader;
    protected final WorkerClients clients;
    protected final KafkaConsumer<byte[], byte[]> consumer;
    protected final KafkaProducer<String, SpecificRecord> producer;
    private final BatchObserver observer;
    protected volatile boolean running = true;
    protected volatile boolean killed;
    private volatile Throwable failure;
    private volatile boolean joined;
    private volatile boolean committedAny;

    TransactionalWorker(BatchedStage<J> stage, String workerId, PoolSettings settings, Map<String, Object> clientProperties,
                        SchemaRegistryClient registry, PoolMetrics metrics, BatchObserver observer) {
        this.stage = stage;
        this.workerId = workerId;
        this.metrics = metrics;
        this.observer = observer;
        this.jobReader = new ConfluentAvroDeserializer<>(registry, stage.jobTopic().valueType());
        this.clients = WorkerClients.open(workerId, settings, clientProperties, settings.batch().maxBatchSize());
        this.consumer = clients.consumer();
        this.producer = clients.producer();
    }

    /** The loop, until {@link #running} turns false (or the worker is killed). */
    protected abstract void work();

    /** Jobs polled and not yet served when the worker ends: left uncommitted for the next owner. */
    protected abstract int queued();

    /** The partitions were taken away (revoked or lost): their jobs go unpublished to the next owner. */
    protected abstract void dropPartitions(Collection<TopicPartition> partitions);

    /** A line for the start of the loop, after the worker id and the topic. */
    protected abstract String describe();

    /** Called once as the worker ends, before its clients close. */
    protected void ending() {
    }

    @Override
    public String workerId() {
        return workerId;
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public boolean killed() {
        return killed;
    }

    @Override
    public boolean committedAny() {
        return committedAny;
    }

    @Override
    public boolean joined() {
        return joined && running;
    }

    @Override
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void kill() {
        killed = true;
        running = false;
        producer.close(Duration.ZERO);
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            producer.initTransactions();
            consumer.subscribe(List.of(stage.jobTopic().name()), new Rebalance());
            log.info("worker {} consuming {}{}", workerId, stage.jobTopic().name(), describe());
            work();
        } catch (WakeupException e) {
            // stop() reached a blocking call outside poll (the rewind after an abort): nothing is lost
        } catch (RuntimeException e) {
            if (!killed) {
                failure = e;
                log.error("worker {} failed and stops: {}", workerId, e.toString(), e);
            }
        } finally {
            metrics.queuedDelta(-queued());
            close();
        }
    }

    /**
     * Publishes {@code out} and commits {@code offsets} in one transaction.
     *
     * @return false when the transaction was aborted (the caller goes back to the committed
     *         offsets); a fenced or unauthorised producer throws: the worker cannot go on
     */
    protected boolean commit(String batchId, BatchRecords out, int jobs, Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            producer.beginTransaction();
            out.records().forEach(producer::send);
            producer.flush();
            observer.sentUncommitted(workerId, batchId, jobs);
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
            committedAny = true;
            return true;
        } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                 | AuthorizationException e) {
            throw new IllegalStateException("worker " + workerId + " cannot go on: " + e, e);
        } catch (KafkaException e) {
            if (killed) {
                throw e;
            }
            log.warn("transaction {} aborted ({}); its {} jobs will be served again", batchId, e.toString(), jobs);
            producer.abortTransaction();
            metrics.aborted();
            return false;
        }
    }

    /** Meters of committed jobs: an aborted transaction's are served again and counted then. */
    protected void recordCommitted(List<ServedJob> jobs, BatchRecords out) {
        out.event().getQueueWaitMs().forEach(metrics::queueWait);
        for (ServedJob j : jobs) {
            if (j.outcome() instanceof Outcome.Refused refused) {
                metrics.failed(refused.reason());
            } else {
                metrics.served();
            }
        }
        metrics.committed();
    }

    private void close() {
        ending();
        if (killed) {
            consumer.close(Duration.ZERO);
            log.info("worker {} killed", workerId);
            return;
        }
        log.info("worker {} stopping; {} queued jobs left uncommitted for the next owner", workerId, queued());
        producer.close();
        consumer.close();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            dropPartitions(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            dropPartitions(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined = true;
            log.debug("worker {} assigned {}", workerId, partitions);
        }
    }
}
