package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.MmditJob;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.engine.InvalidInputException;
import dev.ddtstream.gpu.engine.ItemResult;
import dev.ddtstream.gpu.mmdit.MmditSampler;
import dev.ddtstream.gpu.mmdit.SampleLoop;
import dev.ddtstream.gpu.mmdit.SampleRequest;
import dev.ddtstream.gpu.mmdit.SampledImage;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The MMDiT stage: T codes in, a PNG rendered from seeded noise out. Jobs share a batch, or a
 * running {@link SampleLoop} that they join and leave at every sampler step ({@link #loop}).
 */
public final class MmditStage implements SteppedStage<MmditJob> {

    private final MmditSampler sampler;

    public MmditStage(MmditSampler sampler) {
        this.sampler = sampler;
    }

    @Override
    public Stage stage() {
        return Stage.MMDIT;
    }

    @Override
    public Topic<MmditJob> jobTopic() {
        return Topics.MMDIT_JOBS;
    }

    @Override
    public JobHeader header(MmditJob job) {
        return job.getHeader();
    }

    @Override
    public List<Outcome> process(List<MmditJob> jobs) {
        List<ItemResult<SampledImage>> images = sampler.sample(jobs.stream().map(MmditStage::request).toList());
        List<Outcome> outcomes = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            ItemResult<SampledImage> r = images.get(i);
            outcomes.add(r.isOk() ? produced(jobs.get(i), r.value()) : Outcome.refused(r.error()));
        }
        return outcomes;
    }

    /** A sample loop of at most {@code maxJobs} images. */
    @Override
    public <T> StepLoop<MmditJob, T> loop(int maxJobs) {
        SampleLoop<Joined<T>> images = new SampleLoop<>(sampler, maxJobs);
        return new StepLoop<>() {
            @Override
            public boolean fits(MmditJob job) {
                return images.hasRoom();
            }

            @Override
            public Outcome join(MmditJob job, T tag) {
                try {
                    images.join(request(job), new Joined<>(job, tag));
                    return null;
                } catch (InvalidInputException e) {
                    return Outcome.refused(e.toError());
                }
            }

            @Override
            public List<Finished<T>> step() {
                return images.step().stream().map(f -> new Finished<>(f.tag().tag(), produced(f.tag().job(), f.image()))).toList();
            }

            @Override
            public List<T> cancel(Predicate<T> which) {
                return images.cancel(j -> which.test(j.tag())).stream().map(Joined::tag).toList();
            }

            @Override
            public int size() {
                return images.size();
            }
        };
    }

    /** A job in a loop: what its result needs, and its caller's tag. */
    private record Joined<T>(MmditJob job, T tag) {
    }

    private static SampleRequest request(MmditJob job) {
        int[] codes = job.getVisualCodes().stream().mapToInt(Integer::intValue).toArray();
        Integer steps = job.getSamplerSteps();
        return SampleRequest.seeded(codes, job.getSeed()).withSteps(steps == null ? 0 : steps);
    }

    private Outcome produced(MmditJob job, SampledImage image) {
        int side = sampler.imageSize();
        byte[] png = image.png();
        int[] codes = job.getVisualCodes().stream().mapToInt(Integer::intValue).toArray();
        return new Outcome.Produced(Topics.MMDIT_RESULTS, timing -> MmditResult.newBuilder()
                .setRequestId(job.getHeader().getRequestId())
                .setKind(job.getHeader().getKind())
                .setPng(ByteBuffer.wrap(png))
                .setWidth(side)
                .setHeight(side)
                .setTiming(timing)
                .build(), codes);
    }
}
