package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.MmditJob;
import dev.ddtstream.events.MmditResult;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.engine.ItemResult;
import dev.ddtstream.gpu.mmdit.MmditSampler;
import dev.ddtstream.gpu.mmdit.SampleRequest;
import dev.ddtstream.gpu.mmdit.SampledImage;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** The MMDiT stage: T codes in, a PNG rendered from seeded noise out. */
public final class MmditStage implements BatchedStage<MmditJob> {

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
        List<SampleRequest> requests = new ArrayList<>(jobs.size());
        for (MmditJob job : jobs) {
            int[] codes = job.getVisualCodes().stream().mapToInt(Integer::intValue).toArray();
            Integer steps = job.getSamplerSteps();
            requests.add(SampleRequest.seeded(codes, job.getSeed()).withSteps(steps == null ? 0 : steps));
        }
        List<ItemResult<SampledImage>> images = sampler.sample(requests);
        int side = sampler.imageSize();
        List<Outcome> outcomes = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            MmditJob job = jobs.get(i);
            ItemResult<SampledImage> r = images.get(i);
            if (!r.isOk()) {
                outcomes.add(Outcome.refused(r.error()));
                continue;
            }
            byte[] png = r.value().png();
            outcomes.add(new Outcome.Produced(Topics.MMDIT_RESULTS, timing -> MmditResult.newBuilder()
                    .setRequestId(job.getHeader().getRequestId())
                    .setKind(job.getHeader().getKind())
                    .setPng(ByteBuffer.wrap(png))
                    .setWidth(side)
                    .setHeight(side)
                    .setTiming(timing)
                    .build(), requests.get(i).codes()));
        }
        return outcomes;
    }
}
