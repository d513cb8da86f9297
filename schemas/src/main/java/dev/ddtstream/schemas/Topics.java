package dev.ddtstream.schemas;

import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.DeadLetter;
import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.ErrorResult;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.MetricsWindow;
import dev.ddtstream.events.MmditJob;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.StageEvent;
import dev.ddtstream.events.TokenResult;
import java.util.List;

/**
 * The topic catalogue: every topic of the flow, its key and its value type, in flow order.
 *
 * <pre>
 * requests ─┬─ GENERATE ──────────────────────────► llama jobs ─► llama results ─► mmdit jobs ─► images
 *           ├─ EDIT ───► encoder jobs ─► encoder results ─► llama jobs ─► ... ─► mmdit jobs ─► images
 *           ├─ CAPTION ► encoder jobs ─► encoder results ─► llama jobs (text mode) ──────────► captions
 *           └─ TOKENIZE ► encoder jobs ─► encoder results ────────────────────────────────► tokens
 * any stage ─► errors, dead letters, stage events ─► Flink ─► evaluations, metrics
 * </pre>
 */
public final class Topics {

    public static final Topic<GenerationRequest> REQUESTS =
            new Topic<>("ddt.requests", "requestId", GenerationRequest.class);

    public static final Topic<EncoderJob> ENCODER_JOBS =
            new Topic<>("ddt.encoder.jobs", "requestId", EncoderJob.class);
    public static final Topic<EncoderResult> ENCODER_RESULTS =
            new Topic<>("ddt.encoder.results", "requestId", EncoderResult.class);

    public static final Topic<LlamaJob> LLAMA_JOBS =
            new Topic<>("ddt.llama.jobs", "requestId", LlamaJob.class);
    public static final Topic<LlamaResult> LLAMA_RESULTS =
            new Topic<>("ddt.llama.results", "requestId", LlamaResult.class);

    public static final Topic<MmditJob> MMDIT_JOBS =
            new Topic<>("ddt.mmdit.jobs", "requestId", MmditJob.class);
    public static final Topic<MmditResult> MMDIT_RESULTS =
            new Topic<>("ddt.mmdit.results", "requestId", MmditResult.class);

    public static final Topic<ImageResult> IMAGE_RESULTS =
            new Topic<>("ddt.results.images", "requestId", ImageResult.class);
    public static final Topic<CaptionResult> CAPTION_RESULTS =
            new Topic<>("ddt.results.captions", "requestId", CaptionResult.class);
    public static final Topic<TokenResult> TOKEN_RESULTS =
            new Topic<>("ddt.results.tokens", "requestId", TokenResult.class);
    public static final Topic<ErrorResult> ERROR_RESULTS =
            new Topic<>("ddt.results.errors", "requestId", ErrorResult.class);

    public static final Topic<StageEvent> STAGE_EVENTS =
            new Topic<>("ddt.stage-events", "worker", StageEvent.class);
    public static final Topic<DeadLetter> DEAD_LETTERS =
            new Topic<>("ddt.dead-letters", "requestId, or the source topic when unknown", DeadLetter.class);

    public static final Topic<EvaluationResult> EVALUATIONS =
            new Topic<>("ddt.evaluations", "requestId", EvaluationResult.class);
    public static final Topic<MetricsWindow> METRICS =
            new Topic<>("ddt.metrics", "windowKind:windowEndMs", MetricsWindow.class);

    /** Every topic, in flow order. */
    public static final List<Topic<?>> ALL = List.of(
            REQUESTS,
            ENCODER_JOBS, ENCODER_RESULTS,
            LLAMA_JOBS, LLAMA_RESULTS,
            MMDIT_JOBS, MMDIT_RESULTS,
            IMAGE_RESULTS, CAPTION_RESULTS, TOKEN_RESULTS, ERROR_RESULTS,
            STAGE_EVENTS, DEAD_LETTERS,
            EVALUATIONS, METRICS);

    private Topics() {
    }
}
