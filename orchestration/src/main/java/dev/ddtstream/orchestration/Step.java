package dev.ddtstream.orchestration;

import dev.ddtstream.events.RequestStatus;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * What a flow publishes for one event of a request, and the request's status afterwards. The
 * record's type names its topic (a job topic, or a terminal result topic).
 *
 * @param record the job or result, keyed by the request id
 * @param status ENCODING / DECODING / RENDERING while a job waits, DONE after the terminal result
 */
public record Step(SpecificRecord record, RequestStatus status) {

    public Step {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(status, "status");
    }
}
