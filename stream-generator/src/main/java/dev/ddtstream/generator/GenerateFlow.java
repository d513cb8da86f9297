package dev.ddtstream.generator;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.ddtstream.orchestration.PromptTemplates;
import dev.ddtstream.orchestration.Step;
import dev.ddtstream.schemas.Topics;
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
    private final float temperature;
    private final int topK;
    private final float cfgGenerate;
    private final float cfgEdit;

    public GenerateFlow(PromptTemplates templates) {
        this.templates = templates;
        JsonNode rec = templates.manifest().raw().path("decoding").path("sampling_recommendation");
        this.temperature = (float) rec.path("temperature").asDouble(1.0);
        this.topK = rec.path("top_k").asInt(0);
        this.cfgGenerate = (float) templates.manifest().cfgGenerate();
        this.cfgEdit = (float) templates.manifest().cfgEdit();
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
        float cfg = r.getKind() == RequestKind.EDIT ? cfgEdit : cfgGenerate;
        s.setSampling(r.getSampling() != null ? r.getSampling() : new SamplingParams(temperature, topK, 1f, cfg, null));
        if (r.getKind() == RequestKind.EDIT) {
            return new Step(Topics.ENCODER_JOBS, new EncoderJob(r.getRequestId(), r.getKind(), r.getImage(),
                    System.currentTimeMillis(), r.getDeadlineMs()), RequestStatus.ENCODING);
        }
        boolean guided = s.getSampling().getCfgScale() > 0;
        return decode(s, templates.generate(r.getPrompt()), guided ? templates.generateUnconditional() : null);
    }

    @Override
    public Step encoded(RequestState s, EncoderResult r) {
        int[] source = r.getTokens().stream().mapToInt(Integer::intValue).toArray();
        boolean guided = s.getSampling().getCfgScale() > 0;
        return decode(s, templates.edit(source, s.getPrompt()), guided ? templates.editUnconditional(source) : null);
    }

    private Step decode(RequestState s, List<Integer> prompt, List<Integer> unconditional) {
        return new Step(Topics.LLAMA_JOBS, new LlamaJob(s.getRequestId(), s.getKind(), LlamaMode.IMAGE, prompt,
                unconditional, s.getSampling(), s.getSeed(), System.currentTimeMillis(), s.getDeadlineMs()), RequestStatus.DECODING);
    }

    @Override
    public Step decoded(RequestState s, LlamaResult r) {
        s.setVisualCodes(new ArrayList<>(r.getVisualCodes()));
        return new Step(Topics.MMDIT_JOBS, new MmditJob(s.getRequestId(), s.getKind(), r.getVisualCodes(), s.getSeed(),
                System.currentTimeMillis(), s.getDeadlineMs()), RequestStatus.RENDERING);
    }

    @Override
    public Step rendered(RequestState s, MmditResult r) {
        return new Step(Topics.IMAGE_RESULTS, ImageResult.newBuilder()
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
