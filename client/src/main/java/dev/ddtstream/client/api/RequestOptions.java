package dev.ddtstream.client.api;

import dev.ddtstream.events.BenchmarkMetadata;
import dev.ddtstream.events.SamplingParams;
import java.time.Duration;

/**
 * Per-request settings. Null fields take the service's defaults: a random request id, seed 0, the
 * bundle's recommended sampling and sampler steps, no deadline, no benchmark metadata.
 *
 * @param requestId    a unique id of the caller's choosing (a repeated id is answered once)
 * @param deadline     how long from now the request may take before it gets DEADLINE_EXCEEDED
 * @param samplerSteps GENERATE and EDIT: MMDiT sampler steps, 1 up to the bundle's (fewer render faster, coarser)
 */
public record RequestOptions(String requestId, Long seed, SamplingParams sampling, Duration deadline,
                             BenchmarkMetadata benchmark, Integer samplerSteps) {

    public static RequestOptions defaults() {
        return new RequestOptions(null, null, null, null, null, null);
    }

    public RequestOptions withRequestId(String id) {
        return new RequestOptions(id, seed, sampling, deadline, benchmark, samplerSteps);
    }

    public RequestOptions withSeed(long s) {
        return new RequestOptions(requestId, s, sampling, deadline, benchmark, samplerSteps);
    }

    public RequestOptions withSampling(SamplingParams s) {
        return new RequestOptions(requestId, seed, s, deadline, benchmark, samplerSteps);
    }

    public RequestOptions withDeadline(Duration d) {
        return new RequestOptions(requestId, seed, sampling, d, benchmark, samplerSteps);
    }

    public RequestOptions withBenchmark(BenchmarkMetadata b) {
        return new RequestOptions(requestId, seed, sampling, deadline, b, samplerSteps);
    }

    public RequestOptions withSamplerSteps(int steps) {
        return new RequestOptions(requestId, seed, sampling, deadline, benchmark, steps);
    }
}
