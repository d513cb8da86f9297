package dev.ddtstream.cli;

import dev.ddtstream.client.api.RequestOptions;
import dev.ddtstream.events.SamplingParams;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The per-request options of {@code ddt generate|edit|caption}; unset ones take the service's defaults. */
final class RequestSettings {

    @Option(names = "--seed", description = "Sampling and noise seed (default: 0).")
    Long seed;

    @Option(names = "--temperature", description = "0 = greedy; with any sampling option set, unset ones are temperature 1, top-k 0, top-p 1, cfg 0.")
    Float temperature;

    @Option(names = "--top-k", description = "Top-k sampling (0 = off).")
    Integer topK;

    @Option(names = "--top-p", description = "Nucleus sampling (1 = off).")
    Float topP;

    @Option(names = "--cfg", description = "Classifier-free guidance scale (0 = off).")
    Float cfg;

    @Option(names = "--steps", description = "GENERATE and EDIT: MMDiT sampler steps, 1 up to the bundle's (default: the bundle's).")
    Integer steps;

    @Option(names = "--deadline", description = "Seconds the request may take before it gets DEADLINE_EXCEEDED.")
    Long deadlineSeconds;

    @Option(names = "--timeout", defaultValue = "120", description = "Seconds to wait for the answer (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    RequestOptions options() {
        RequestOptions o = RequestOptions.defaults();
        if (seed != null) {
            o = o.withSeed(seed);
        }
        if (temperature != null || topK != null || topP != null || cfg != null) {
            o = o.withSampling(new SamplingParams(temperature == null ? 1f : temperature, topK == null ? 0 : topK,
                    topP == null ? 1f : topP, cfg == null ? 0f : cfg, null));
        }
        if (steps != null) {
            o = o.withSamplerSteps(steps);
        }
        if (deadlineSeconds != null) {
            o = o.withDeadline(Duration.ofSeconds(deadlineSeconds));
        }
        return o;
    }
}
