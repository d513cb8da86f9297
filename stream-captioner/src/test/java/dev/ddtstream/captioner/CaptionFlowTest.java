package dev.ddtstream.captioner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ddtstream.bundle.BundleLocator;
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
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.orchestration.Step;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** CAPTION step by step, on the committed bundle's templates and caption length. */
class CaptionFlowTest {

    private static final PromptTemplates TEMPLATES = PromptTemplates.load(BundleLocator.committed().orElseThrow());
    private final CaptionFlow flow = new CaptionFlow(TEMPLATES);

    @AfterAll
    static void close() {
        TEMPLATES.close();
    }

    @Test
    void aCaptionIsEncodedThenDecodedGreedilyInTextModeUpToTheBundlesLength() {
        GenerationRequest r = request("how many circles", null);
        RequestState s = state(r);
        Step first = flow.admit(r, s);
        assertEquals(RequestStatus.ENCODING, first.status());
        assertInstanceOf(EncoderJob.class, first.record());
        assertEquals(0f, s.getSampling().getTemperature(), "greedy");
        assertEquals(TEMPLATES.manifest().decoding().captionMaxNewTokens(), s.getSampling().getMaxNewTokens());

        Step second = flow.encoded(s, EncoderResult.newBuilder().setRequestId("c").setKind(RequestKind.CAPTION)
                .setTokens(List.of(3, 4)).setTiming(timing()).build());
        LlamaJob job = assertInstanceOf(LlamaJob.class, second.record());
        assertEquals(LlamaMode.TEXT, job.getMode());
        assertEquals(TEMPLATES.caption(new int[] {3, 4}, "how many circles"), job.getPromptTokens());
        assertNull(job.getUnconditionalTokens(), "captions are not guided");
    }

    @Test
    void aRequestsOwnSamplingIsKept() {
        SamplingParams own = new SamplingParams(0.5f, 5, 1f, 0f, 7);
        GenerationRequest r = request("", own);
        RequestState s = state(r);
        flow.admit(r, s);
        assertEquals(own, s.getSampling());
    }

    @Test
    void theAnswerIsTheDecodedWordsWithoutSpecials() {
        GenerationRequest r = request("what color is the circle", null);
        RequestState s = state(r);
        flow.admit(r, s);
        List<Integer> red = Arrays.stream(TEMPLATES.words("red")).boxed().toList();
        Step done = flow.decoded(s, LlamaResult.newBuilder().setRequestId("c").setKind(RequestKind.CAPTION).setMode(LlamaMode.TEXT)
                .setGeneratedTokens(red).setTiming(timing()).build());
        assertEquals(RequestStatus.DONE, done.status());
        CaptionResult caption = assertInstanceOf(CaptionResult.class, done.record());
        assertEquals("red", caption.getText());
        assertEquals("what color is the circle", caption.getQuestion());
    }

    private static GenerationRequest request(String question, SamplingParams sampling) {
        return GenerationRequest.newBuilder().setRequestId("c").setKind(RequestKind.CAPTION).setPrompt(question)
                .setImage(ByteBuffer.wrap(new byte[] {1})).setSampling(sampling).setSeed(0).setCreatedAtMs(1L).build();
    }

    private static RequestState state(GenerationRequest r) {
        return RequestState.newBuilder().setRequestId(r.getRequestId()).setKind(r.getKind()).setStatus(RequestStatus.ACCEPTED)
                .setPrompt(r.getPrompt()).setSeed(r.getSeed()).setSampling(r.getSampling()).setTimings(new ArrayList<>())
                .setCreatedAtMs(1L).setUpdatedAtMs(1L).build();
    }

    private static StageTiming timing() {
        return new StageTiming(Stage.ENCODER, "w", 1L, 2L, 3L, 1);
    }
}
