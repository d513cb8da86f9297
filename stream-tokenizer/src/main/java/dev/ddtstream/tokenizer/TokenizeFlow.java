package dev.ddtstream.tokenizer;

import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.RequestState;
import dev.ddtstream.events.RequestStatus;
import dev.ddtstream.events.TokenResult;
import dev.ddtstream.orchestration.Flow;
import dev.ddtstream.orchestration.JobHeaders;
import dev.ddtstream.orchestration.Step;

/**
 * TOKENIZE: image -> encoder -> its T DDT tokens, for users preparing training corpora. The
 * same encoder pool serves the EDIT and CAPTION flows.
 */
public final class TokenizeFlow implements Flow {

    private final int codebookSize;

    public TokenizeFlow(PromptTemplates templates) {
        this.codebookSize = templates.manifest().vocabulary().codebookSize();
    }

    @Override
    public String name() {
        return "tokenizer";
    }

    @Override
    public boolean handles(RequestKind kind) {
        return kind == RequestKind.TOKENIZE;
    }

    @Override
    public boolean answersUnreadable() {
        return false;
    }

    @Override
    public boolean rendersImages() {
        return false;
    }

    @Override
    public Step admit(GenerationRequest r, RequestState s) {
        return new Step(new EncoderJob(r.getImage(), JobHeaders.of(s)), RequestStatus.ENCODING);
    }

    @Override
    public Step encoded(RequestState s, EncoderResult r) {
        return new Step(TokenResult.newBuilder()
                .setRequestId(s.getRequestId())
                .setCodes(r.getTokens())
                .setCodebookSize(codebookSize)
                .setTimings(s.getTimings())
                .setCreatedAtMs(s.getCreatedAtMs())
                .setCompletedAtMs(System.currentTimeMillis())
                .setBenchmark(s.getBenchmark())
                .build(), RequestStatus.DONE);
    }
}
