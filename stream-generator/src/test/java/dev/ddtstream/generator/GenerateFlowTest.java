package dev.ddtstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.DecodingDefaults;
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
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.orchestration.Step;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** GENERATE and EDIT step by step, on the committed bundle's templates and decoding defaults. */
class GenerateFlowTest {

    private static final PromptTemplates TEMPLATES = PromptTemplates.load(BundleLocator.committed().orElseThrow());
    private static final DecodingDefaults DEFAULTS = TEMPLATES.manifest().decoding();
    private final GenerateFlow flow = new GenerateFlow(TEMPLATES);

    @AfterAll
    static void close() {
        TEMPLATES.close();
    }

    @Test
    void aGenerateRequestWithoutSamplingGetsTheBundlesRecommendationAndGuidance() {
        GenerationRequest r = request(RequestKind.GENERATE, "two red circles", null);
        RequestState s = state(r);
        Step step = flow.admit(r, s);
        assertEquals(RequestStatus.DECODING, step.status());
        LlamaJob job = assertInstanceOf(LlamaJob.class, step.record());
        assertEquals(LlamaMode.IMAGE, job.getMode());
        assertEquals(TEMPLATES.generate("two red circles"), job.getPromptTokens());
        assertEquals(TEMPLATES.generateUnconditional(), job.getUnconditionalTokens(), "the bundle's GENERATE scale guides");
        assertEquals((float) DEFAULTS.temperature(), job.getSampling().getTemperature());
        assertEquals(DEFAULTS.topK(), job.getSampling().getTopK());
        assertEquals((float) DEFAULTS.cfgGenerate(), job.getSampling().getCfgScale());
        assertEquals(s.getSampling(), job.getSampling(), "the state remembers the sampling for later steps");
        assertEquals("r", job.getHeader().getRequestId());
        assertEquals(r.getDeadlineMs(), job.getHeader().getDeadlineMs());
    }

    @Test
    void aScaleOfOneOrLessSendsNoUnconditionalPrompt() {
        for (float cfg : new float[] {0f, 0.5f, 1f}) {
            GenerationRequest r = request(RequestKind.GENERATE, "a blue square", new SamplingParams(0f, 0, 1f, cfg, null));
            LlamaJob job = (LlamaJob) flow.admit(r, state(r)).record();
            assertNull(job.getUnconditionalTokens(), "cfg " + cfg);
        }
    }

    @Test
    void anEditIsEncodedThenDecodedWithTheSourceCodesAndTheEditScale() {
        GenerationRequest r = request(RequestKind.EDIT, "make the circle blue", null);
        RequestState s = state(r);
        Step first = flow.admit(r, s);
        assertEquals(RequestStatus.ENCODING, first.status());
        assertEquals(r.getImage(), assertInstanceOf(EncoderJob.class, first.record()).getImage());
        assertEquals((float) DEFAULTS.cfgEdit(), s.getSampling().getCfgScale());

        int[] source = {5, 6, 7};
        Step second = flow.encoded(s, EncoderResult.newBuilder().setRequestId("r").setKind(RequestKind.EDIT)
                .setTokens(List.of(5, 6, 7)).setTiming(timing(Stage.ENCODER)).build());
        LlamaJob job = assertInstanceOf(LlamaJob.class, second.record());
        assertEquals(TEMPLATES.edit(source, "make the circle blue"), job.getPromptTokens());
        assertEquals(TEMPLATES.editUnconditional(source), job.getUnconditionalTokens());
    }

    @Test
    void theCodesAreRenderedAndTheImageCarriesThemWithEveryTiming() {
        GenerationRequest r = request(RequestKind.GENERATE, "a yellow triangle", null);
        RequestState s = state(r);
        flow.admit(r, s);
        s.getTimings().add(timing(Stage.LLAMA));
        Step render = flow.decoded(s, LlamaResult.newBuilder().setRequestId("r").setKind(RequestKind.GENERATE)
                .setMode(LlamaMode.IMAGE).setGeneratedTokens(List.of(60, 61)).setVisualCodes(List.of(11, 12))
                .setTiming(timing(Stage.LLAMA)).build());
        MmditJob job = assertInstanceOf(MmditJob.class, render.record());
        assertEquals(List.of(11, 12), job.getVisualCodes());
        assertEquals(r.getSeed(), job.getSeed());
        assertNull(job.getSamplerSteps(), "no steps asked: the bundle's");
        s.getTimings().add(timing(Stage.MMDIT));
        Step done = flow.rendered(s, MmditResult.newBuilder().setRequestId("r").setKind(RequestKind.GENERATE)
                .setPng(ByteBuffer.wrap(new byte[] {1})).setWidth(32).setHeight(32).setTiming(timing(Stage.MMDIT)).build());
        assertEquals(RequestStatus.DONE, done.status());
        ImageResult image = assertInstanceOf(ImageResult.class, done.record());
        assertEquals(List.of(11, 12), image.getVisualCodes());
        assertEquals("a yellow triangle", image.getPrompt());
        assertEquals(2, image.getTimings().size());
        assertNotNull(image.getPng());
    }

    @Test
    void theSamplerStepsARequestAskedForReachTheRender() {
        GenerationRequest r = GenerationRequest.newBuilder(request(RequestKind.GENERATE, "a red circle", null)).setSamplerSteps(4).build();
        RequestState s = state(r);
        flow.admit(r, s);
        Step render = flow.decoded(s, LlamaResult.newBuilder().setRequestId("r").setKind(RequestKind.GENERATE)
                .setMode(LlamaMode.IMAGE).setGeneratedTokens(List.of(60)).setVisualCodes(List.of(11))
                .setTiming(timing(Stage.LLAMA)).build());
        assertEquals(4, assertInstanceOf(MmditJob.class, render.record()).getSamplerSteps());
    }

    private static GenerationRequest request(RequestKind kind, String prompt, SamplingParams sampling) {
        return GenerationRequest.newBuilder().setRequestId("r").setKind(kind).setPrompt(prompt)
                .setImage(kind == RequestKind.EDIT ? ByteBuffer.wrap(new byte[] {1, 2}) : null)
                .setSampling(sampling).setSeed(9).setDeadlineMs(123_456L).setCreatedAtMs(1L).build();
    }

    private static RequestState state(GenerationRequest r) {
        return RequestState.newBuilder().setRequestId(r.getRequestId()).setKind(r.getKind()).setStatus(RequestStatus.ACCEPTED)
                .setPrompt(r.getPrompt()).setSeed(r.getSeed()).setSampling(r.getSampling()).setTimings(new ArrayList<>())
                .setDeadlineMs(r.getDeadlineMs()).setCreatedAtMs(r.getCreatedAtMs()).setUpdatedAtMs(1L)
                .setSamplerSteps(r.getSamplerSteps()).build();
    }

    private static StageTiming timing(Stage stage) {
        return new StageTiming(stage, "w", 1L, 2L, 3L, 1);
    }
}
