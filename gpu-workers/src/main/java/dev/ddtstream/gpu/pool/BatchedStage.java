package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.schemas.Topic;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * One GPU stage as a worker pool sees it: which topic its jobs come from, each job's header and
 * how to serve a batch. Implementations are thread-safe: the workers of a pool share one.
 *
 * @param <J> the job record type
 */
public interface BatchedStage<J extends SpecificRecord> {

    Stage stage();

    Topic<J> jobTopic();

    /** The job's header (request, kind, enqueue time, deadline); null in a job written before headers existed. */
    JobHeader header(J job);

    /**
     * Serves a batch: one outcome per job, in order. A job whose input is bad is refused alone;
     * a failure of the model itself throws {@link EngineException}
     * for the whole call, and the pool retries the jobs one by one to find the culprit.
     */
    List<Outcome> process(List<J> jobs);
}
