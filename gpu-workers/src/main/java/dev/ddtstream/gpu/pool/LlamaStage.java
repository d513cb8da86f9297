package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaMode;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.bundle.VocabularyLayout;
import dev.ddtstream.gpu.engine.ItemResult;
import dev.ddtstream.gpu.llama.DecodeRequest;
import dev.ddtstream.gpu.llama.DecodeResult;
import dev.ddtstream.gpu.llama.LlamaDecoder;
import dev.ddtstream.gpu.llama.SamplingParams;
import dev.ddtstream.gpu.llama.VisualTokens;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The LLaMA stage: a templated prompt in, visual codes (IMAGE mode) or text token ids (TEXT
 * mode) out. Jobs of both modes and of any sampling settings share a batch.
 */
public final class LlamaStage implements BatchedStage<LlamaJob> {

    /** TEXT-mode length limit when a job sets none: well beyond any caption of the synthetic world. */
    public static final int DEFAULT_TEXT_TOKENS = 48;

    private final LlamaDecoder decoder;
    private final VocabularyLayout vocab;

    public LlamaStage(LlamaDecoder decoder) {
        this.decoder = decoder;
        this.vocab = decoder.vocabulary();
    }

    @Override
    public Stage stage() {
        return Stage.LLAMA;
    }

    @Override
    public Topic<LlamaJob> jobTopic() {
        return Topics.LLAMA_JOBS;
    }

    @Override
    public List<Outcome> process(List<LlamaJob> jobs) {
        Outcome[] outcomes = new Outcome[jobs.size()];
        List<DecodeRequest> requests = new ArrayList<>();
        List<Integer> served = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            try {
                requests.add(toRequest(jobs.get(i)));
                served.add(i);
            } catch (IllegalArgumentException e) {
                outcomes[i] = new Outcome.Refused(ErrorReason.SAMPLING_OUT_OF_RANGE, e.getMessage());
            }
        }
        List<ItemResult<DecodeResult>> decoded = requests.isEmpty() ? List.of() : decoder.decode(requests);
        for (int k = 0; k < served.size(); k++) {
            int i = served.get(k);
            ItemResult<DecodeResult> r = decoded.get(k);
            outcomes[i] = r.isOk() ? produced(jobs.get(i), r.value()) : Outcome.refused(r.error());
        }
        return Arrays.asList(outcomes);
    }

    private DecodeRequest toRequest(LlamaJob job) {
        dev.ddtstream.events.SamplingParams s = job.getSampling();
        SamplingParams sampling = new SamplingParams(s.getTemperature(), s.getTopK(), s.getTopP(), job.getSeed());
        int[] prompt = ints(job.getPromptTokens());
        if (job.getMode() == LlamaMode.TEXT) {
            int maxNew = s.getMaxNewTokens() == null ? DEFAULT_TEXT_TOKENS : s.getMaxNewTokens();
            return DecodeRequest.text(prompt, maxNew, sampling);
        }
        float cfg = s.getCfgScale();
        if (!Float.isFinite(cfg) || cfg < 0) {
            throw new IllegalArgumentException("cfgScale must be finite and >= 0, got " + cfg);
        }
        // the events' contract: scale 0 (or no unconditional prompt) means no guidance row
        if (cfg == 0 || job.getUnconditionalTokens() == null) {
            return DecodeRequest.image(prompt, null, 1.0, sampling);
        }
        return DecodeRequest.image(prompt, ints(job.getUnconditionalTokens()), cfg, sampling);
    }

    private Outcome produced(LlamaJob job, DecodeResult result) {
        int[] tokens = result.tokens();
        int[] codes = null;
        if (job.getMode() == LlamaMode.IMAGE) {
            codes = VisualTokens.toCodes(vocab, tokens);
        } else if (result.finish() == DecodeResult.Finish.END_OF_SEQUENCE) {
            tokens = Arrays.copyOf(tokens, tokens.length - 1);
        }
        List<Integer> generated = Arrays.stream(tokens).boxed().toList();
        List<Integer> visual = codes == null ? null : Arrays.stream(codes).boxed().toList();
        return new Outcome.Produced(Topics.LLAMA_RESULTS, timing -> LlamaResult.newBuilder()
                .setRequestId(job.getRequestId())
                .setKind(job.getKind())
                .setMode(job.getMode())
                .setGeneratedTokens(generated)
                .setVisualCodes(visual)
                .setTiming(timing)
                .build(), codes);
    }

    private static int[] ints(List<Integer> list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
