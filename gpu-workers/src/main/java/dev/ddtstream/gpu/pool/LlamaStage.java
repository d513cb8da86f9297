package dev.ddtstream.gpu.pool;

import ai.onnxruntime.OrtException;
import dev.ddtstream.bundle.VisualTokens;
import dev.ddtstream.bundle.VocabularyLayout;
import dev.ddtstream.events.ErrorReason;
import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaMode;
import dev.ddtstream.events.LlamaResult;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.engine.EngineException;
import dev.ddtstream.gpu.engine.InvalidInputException;
import dev.ddtstream.gpu.engine.ItemResult;
import dev.ddtstream.gpu.llama.DecodeLoop;
import dev.ddtstream.gpu.llama.DecodeRequest;
import dev.ddtstream.gpu.llama.DecodeResult;
import dev.ddtstream.gpu.llama.LlamaDecoder;
import dev.ddtstream.gpu.llama.Sampling;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The LLaMA stage: a templated prompt in, visual codes (IMAGE mode) or text token ids (TEXT
 * mode) out. Jobs of both modes and of any sampling settings share a batch, or a running
 * {@link DecodeLoop} that they join and leave at every token ({@link #loop}).
 */
public final class LlamaStage implements SteppedStage<LlamaJob> {

    private final LlamaDecoder decoder;
    private final VocabularyLayout vocab;
    private final int captionTokens;

    /** @param captionTokens TEXT-mode length limit of a job that sets none: the bundle's caption length */
    public LlamaStage(LlamaDecoder decoder, int captionTokens) {
        this.decoder = decoder;
        this.vocab = decoder.vocabulary();
        this.captionTokens = captionTokens;
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
    public JobHeader header(LlamaJob job) {
        return job.getHeader();
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

    /**
     * A decode loop of {@code 2 x maxJobs} rows: {@code maxJobs} guided jobs (two rows each), or
     * more when some are unguided, as a static batch of {@code maxJobs} jobs has at most that many
     * rows. Rows, not jobs, are what a step costs.
     */
    @Override
    public <T> StepLoop<LlamaJob, T> loop(int maxJobs) {
        return new Loop<>(new DecodeLoop<>(decoder, 2 * maxJobs));
    }

    /** A job in a loop: what its result needs, and its caller's tag. */
    private record Joined<T>(LlamaJob job, T tag) {
    }

    private final class Loop<T> implements StepLoop<LlamaJob, T> {
        private final DecodeLoop<Joined<T>> decode;
        /** The job asked about last and its request: a job waiting for rows is asked about at every step, then joins. */
        private LlamaJob asked;
        private DecodeRequest askedRequest;

        Loop(DecodeLoop<Joined<T>> decode) {
            this.decode = decode;
        }

        private DecodeRequest request(LlamaJob job) {
            if (job != asked) {
                askedRequest = toRequest(job);
                asked = job;
            }
            return askedRequest;
        }

        @Override
        public boolean fits(LlamaJob job) {
            try {
                return DecodeLoop.rowsOf(request(job)) <= decode.freeRows();
            } catch (IllegalArgumentException e) {
                return true; // refused at join without taking a row
            }
        }

        @Override
        public Outcome join(LlamaJob job, T tag) {
            try {
                decode.join(request(job), new Joined<>(job, tag));
                return null;
            } catch (IllegalArgumentException e) {
                return new Outcome.Refused(ErrorReason.SAMPLING_OUT_OF_RANGE, e.getMessage());
            } catch (InvalidInputException e) {
                return Outcome.refused(e.toError());
            }
        }

        @Override
        public List<Finished<T>> step() {
            try {
                List<Finished<T>> out = new ArrayList<>();
                for (DecodeLoop.Finished<Joined<T>> f : decode.step()) {
                    out.add(new Finished<>(f.tag().tag(), produced(f.tag().job(), f.result())));
                }
                return out;
            } catch (OrtException e) {
                throw new EngineException("llama decoding failed on a step of " + decode.size() + " jobs: " + e.getMessage(), e);
            }
        }

        @Override
        public List<T> cancel(Predicate<T> which) {
            return decode.cancel(j -> which.test(j.tag())).stream().map(Joined::tag).toList();
        }

        @Override
        public int size() {
            return decode.size();
        }
    }

    private DecodeRequest toRequest(LlamaJob job) {
        SamplingParams s = job.getSampling();
        Sampling sampling = new Sampling(s.getTemperature(), s.getTopK(), s.getTopP(), job.getSeed());
        int[] prompt = ints(job.getPromptTokens());
        if (job.getMode() == LlamaMode.TEXT) {
            int maxNew = s.getMaxNewTokens() == null ? captionTokens : s.getMaxNewTokens();
            return DecodeRequest.text(prompt, maxNew, sampling);
        }
        List<Integer> uncond = job.getUnconditionalTokens();
        return DecodeRequest.image(prompt, uncond == null ? null : ints(uncond), s.getCfgScale(), sampling);
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
                .setRequestId(job.getHeader().getRequestId())
                .setKind(job.getHeader().getKind())
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
