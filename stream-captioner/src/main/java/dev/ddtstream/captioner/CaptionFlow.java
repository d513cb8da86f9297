package dev.ddtstream.captioner;

import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.events.CaptionResult;
import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaMode;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.events.RequestStatus;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.orchestration.Flow;
import dev.ddtstream.orchestration.JobHeaders;
import dev.ddtstream.orchestration.Step;

/**
 * CAPTION: image -> encoder -> LLaMA (TEXT mode: the image's codes and the optional question)
 * -> caption text. Greedy decoding of at most the bundle's caption length
 * ({@code decoding.caption_max_new_tokens}) unless the request says otherwise, as the bundle
 * recommends for captions.
 */
public final class CaptionFlow implements Flow {

    private final PromptTemplates templates;
    private final SamplingParams greedy;

    public CaptionFlow(PromptTemplates templates) {
        this.templates = templates;
        this.greedy = new SamplingParams(0f, 0, 1f, 0f, templates.manifest().decoding().captionMaxNewTokens());
    }

    @Override
    public String name() {
        return "captioner";
    }

    @Override
    public boolean handles(RequestKind kind) {
        return kind == RequestKind.CAPTION;
    }

    @Override
    public boolean answersUnreadable() {
        return false; // the generator answers request records nobody can read
    }

    @Override
    public boolean rendersImages() {
        return false;
    }

    @Override
    public Step admit(GenerationRequest r, RequestState s) {
        s.setSampling(r.getSampling() != null ? r.getSampling() : SamplingParams.newBuilder(greedy).build());
        return new Step(new EncoderJob(r.getImage(), JobHeaders.of(s)), RequestStatus.ENCODING);
    }

    @Override
    public Step encoded(RequestState s, EncoderResult r) {
        int[] codes = r.getTokens().stream().mapToInt(Integer::intValue).toArray();
        return new Step(new LlamaJob(LlamaMode.TEXT, templates.caption(codes, s.getPrompt()), null, s.getSampling(),
                s.getSeed(), JobHeaders.of(s)), RequestStatus.DECODING);
    }

    @Override
    public Step decoded(RequestState s, LlamaResult r) {
        return new Step(CaptionResult.newBuilder()
                .setRequestId(s.getRequestId())
                .setQuestion(s.getPrompt())
                .setText(templates.captionText(r.getGeneratedTokens()))
                .setTextTokens(r.getGeneratedTokens())
                .setTimings(s.getTimings())
                .setCreatedAtMs(s.getCreatedAtMs())
                .setCompletedAtMs(System.currentTimeMillis())
                .setBenchmark(s.getBenchmark())
                .build(), RequestStatus.DONE);
    }
}
