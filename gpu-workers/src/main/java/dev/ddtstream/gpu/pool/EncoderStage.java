package dev.ddtstream.gpu.pool;

import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.EncoderResult;
import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.Stage;
import dev.ddtstream.gpu.encoder.DdtEncoder;
import dev.ddtstream.gpu.engine.ItemResult;
import dev.ddtstream.schemas.Topic;
import dev.ddtstream.schemas.Topics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Utils;

/** The DDT encoder stage: an image file in, its T codes (V_1..V_T) out. */
public final class EncoderStage implements BatchedStage<EncoderJob> {

    private final DdtEncoder encoder;

    public EncoderStage(DdtEncoder encoder) {
        this.encoder = encoder;
    }

    @Override
    public Stage stage() {
        return Stage.ENCODER;
    }

    @Override
    public Topic<EncoderJob> jobTopic() {
        return Topics.ENCODER_JOBS;
    }

    @Override
    public JobHeader header(EncoderJob job) {
        return job.getHeader();
    }

    @Override
    public List<Outcome> process(List<EncoderJob> jobs) {
        List<byte[]> images = new ArrayList<>(jobs.size());
        for (EncoderJob job : jobs) {
            images.add(Utils.toArray(job.getImage()));
        }
        List<ItemResult<int[]>> encoded = encoder.encode(images);
        List<Outcome> outcomes = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            EncoderJob job = jobs.get(i);
            ItemResult<int[]> r = encoded.get(i);
            if (!r.isOk()) {
                outcomes.add(Outcome.refused(r.error()));
                continue;
            }
            int[] codes = r.value();
            outcomes.add(new Outcome.Produced(Topics.ENCODER_RESULTS, timing -> EncoderResult.newBuilder()
                    .setRequestId(job.getHeader().getRequestId())
                    .setKind(job.getHeader().getKind())
                    .setTokens(Arrays.stream(codes).boxed().toList())
                    .setTiming(timing)
                    .build(), codes));
        }
        return outcomes;
    }
}
