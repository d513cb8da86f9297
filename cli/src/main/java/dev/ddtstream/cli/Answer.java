package dev.ddtstream.cli;

import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.StageTiming;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/** One request of a suite and what came back: a result or an error, and how long it took. */
record Answer(GenerationRequest request, SpecificRecord result, ErrorResult error, long latencyMs) {

    boolean ok() {
        return result != null;
    }

    List<StageTiming> timings() {
        if (result instanceof ImageResult i) {
            return i.getTimings();
        }
        if (result instanceof CaptionResult c) {
            return c.getTimings();
        }
        return List.of();
    }
}
