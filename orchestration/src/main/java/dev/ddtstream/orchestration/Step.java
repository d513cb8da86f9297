package dev.ddtstream.orchestration;

import dev.ddtstream.events.RequestStatus;
import dev.ddtstream.schemas.Topic;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * What a flow publishes for one event of a request, and the request's status afterwards.
 *
 * @param topic  a job topic, or a terminal result topic
 * @param record its value, keyed by the request id
 * @param status ENCODING / DECODING / RENDERING while a job waits, DONE after the terminal result
 */
public record Step(Topic<?> topic, SpecificRecord record, RequestStatus status) {

    public Step {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(status, "status");
    }
}
