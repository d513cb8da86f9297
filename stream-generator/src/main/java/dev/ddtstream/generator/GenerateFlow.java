package dev.ddtstream.generator;

import dev.ddtstream.bundle.DecodingDefaults;
import dev.ddtstream.bundle.Guidance;
import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.ImageResult;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaMode;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.MmditJob;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.events.RequestStatus;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.orchestration.Flow;
import dev.ddtstream.orchestration.JobHeaders;
import dev.ddtstream.orchestration.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * GENERATE: prompt -> LLaMA (IMAGE mode, guided) -> MMDiT -> image.
 * EDIT: source image -> encoder -> LLaMA (instruction + source codes, guided) -> MMDiT -> image.
 * A request without sampling settings gets the bundle's recommendation (temperature, top-k) and
 * its guidance scale for the kind.
 */
public final class GenerateFlow implements Flow {

    private final PromptTemplates templates;
    private final DecodingDefaults defaults;

    public GenerateFlow(PromptTemplates templates) {
        this.templates = templates;
        this.defaults = templates.manifest().decoding();
    }

    @Override
    public String name() {
        return "generator";
    }

    @Override
    public boolean handles(RequestKind kind) {
        return kind == RequestKind.GENERATE || kind == RequestKind.EDIT;
    }

    @Override
    public boolean answersUnreadable() {
        return true;
    }

    @Override
    public boolean rendersImages() {
        return true;
    }

    @Override
    public Step admit(GenerationRequest r, RequestState s) {
        s.setSampling(r.getSampling() != null ? r.getSampling() : recommended(r.getKind()));
        if (r.getKind() == RequestKind.EDIT) {
            return new Step(new EncoderJob(r.getImage(), JobHeaders.of(s)), RequestStatus.ENCODING);
        }
        boolean guided = Guidance.applies(s.getSampling().getCfgScale());
        return decode(s, templates.generate(r.getPrompt()), guided ? templates.generateUnconditional() : null);
    }

    @Override
    public Step encoded(RequestState s, EncoderResult r) {
        int[] source = r.getTokens().stream().mapToInt(Integer::intValue).toArray();
        boolean guided = Guidance.applies(s.getSampling().getCfgScale());
        return decode(s, templates.edit(source, s.getPrompt()), guided ? templates.editUnconditional(source) : null);
    }

    /** The bundle's sampling recommendation with its guidance scale for the kind. */
    private SamplingParams recommended(RequestKind kind) {
        double cfg = kind == RequestKind.EDIT ? defaults.cfgEdit() : defaults.cfgGenerate();
        return new SamplingParams((float) defaults.temperature(), defaults.topK(), 1f, (float) cfg, null);
    }

    private Step decode(RequestState s, List<Integer> prompt, List<Integer> unconditional) {
        return new Step(new LlamaJob(LlamaMode.IMAGE, prompt, unconditional, s.getSampling(), s.getSeed(), JobHeaders.of(s)),
                RequestStatus.DECODING);
    }

    @Override
    public Step decoded(RequestState s, LlamaResult r) {
        s.setVisualCodes(new ArrayList<>(r.getVisualCodes()));
        return new Step(new MmditJob(r.getVisualCodes(), s.getSeed(), JobHeaders.of(s), s.getSamplerSteps()),
                RequestStatus.RENDERING);
    }

    @Override
    public Step rendered(RequestState s, MmditResult r) {
        return new Step(ImageResult.newBuilder()
                .setRequestId(s.getRequestId())
                .setKind(s.getKind())
                .setPrompt(s.getPrompt())
                .setPng(r.getPng())
                .setWidth(r.getWidth())
                .setHeight(r.getHeight())
                .setVisualCodes(s.getVisualCodes())
                .setSeed(s.getSeed())
                .setTimings(s.getTimings())
                .setCreatedAtMs(s.getCreatedAtMs())
                .setCompletedAtMs(System.currentTimeMillis())
                .setBenchmark(s.getBenchmark())
                .build(), RequestStatus.DONE);
    }
}
