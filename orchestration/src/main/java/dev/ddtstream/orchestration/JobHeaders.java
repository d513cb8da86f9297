package dev.ddtstream.orchestration;

import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.RequestState;

/** The header every job a flow publishes carries. */
public final class JobHeaders {

    private JobHeaders() {
    }

    /** For a job of this request published now: its deadline travels with it, so the stage can refuse it late. */
    public static JobHeader of(RequestState s) {
        return new JobHeader(s.getRequestId(), s.getKind(), System.currentTimeMillis(), s.getDeadlineMs());
    }
}
