package dev.ddtstream.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.events.RequestStatus;
import dev.ddtstream.events.Stage;
import dev.ddtstream.events.StageTiming;
import dev.ddtstream.events.TokenResult;
import dev.ddtstream.orchestration.Step;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TOKENIZE step by step: the image to the encoder, its codes back with the bundle's codebook size. */
class TokenizeFlowTest {

    @Test
    void anImageIsEncodedAndItsCodesAreTheResult() {
        try (PromptTemplates templates = PromptTemplates.load(BundleLocator.committed().orElseThrow())) {
            TokenizeFlow flow = new TokenizeFlow(templates);
            assertFalse(flow.handles(RequestKind.CAPTION));
            GenerationRequest r = GenerationRequest.newBuilder().setRequestId("t").setKind(RequestKind.TOKENIZE)
                    .setImage(ByteBuffer.wrap(new byte[] {1, 2})).setSeed(0).setCreatedAtMs(1L).build();
            RequestState s = RequestState.newBuilder().setRequestId("t").setKind(RequestKind.TOKENIZE).setStatus(RequestStatus.ACCEPTED)
                    .setSeed(0).setTimings(new ArrayList<>()).setCreatedAtMs(1L).setUpdatedAtMs(1L).build();
            Step first = flow.admit(r, s);
            assertEquals(RequestStatus.ENCODING, first.status());
            assertEquals(r.getImage(), assertInstanceOf(EncoderJob.class, first.record()).getImage());

            Step done = flow.encoded(s, EncoderResult.newBuilder().setRequestId("t").setKind(RequestKind.TOKENIZE)
                    .setTokens(List.of(9, 8, 7)).setTiming(new StageTiming(Stage.ENCODER, "w", 1L, 2L, 3L, 1)).build());
            assertEquals(RequestStatus.DONE, done.status());
            TokenResult tokens = assertInstanceOf(TokenResult.class, done.record());
            assertEquals(List.of(9, 8, 7), tokens.getCodes());
            assertEquals(templates.manifest().vocabulary().codebookSize(), tokens.getCodebookSize());
        }
    }
}
