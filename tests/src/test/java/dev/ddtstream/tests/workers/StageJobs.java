package dev.ddtstream.tests.workers;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.GoldenCases;
import dev.ddtstream.events.EncoderJob;
import dev.ddtstream.events.JobHeader;
import dev.ddtstream.events.LlamaJob;
import dev.ddtstream.events.LlamaMode;
import dev.ddtstream.events.MmditJob;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SamplingParams;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Jobs for the three stages built from the committed bundle's golden cases. */
final class StageJobs {

    static final Path BUNDLE = BundleLocator.committed().orElseThrow(() -> new IllegalStateException("no committed bundle"));

    final List<Integer> generatePrompt;
    final List<Integer> generateUnconditional;
    final float generateCfg;
    /** The golden GENERATE codes, V_1..V_T, for the prompt above decoded greedily. */
    final List<Integer> generateCodes;
    /** The encoder golden's images as PNG files, and their golden codes. */
    final List<byte[]> encoderImages;
    final List<List<Integer>> encoderCodes;

    StageJobs() {
        GoldenCases golden = GoldenCases.read(BUNDLE);
        GoldenCases.Generation gen = golden.generate();
        generatePrompt = boxed(gen.prompt());
        generateUnconditional = boxed(gen.unconditionalPrompt());
        generateCfg = (float) gen.cfgScale();
        generateCodes = boxed(gen.codes());
        encoderImages = golden.encoderImages().stream().map(GoldenCases.EncodedImage::png).toList();
        encoderCodes = golden.encoderImages().stream().map(e -> boxed(e.codes())).toList();
    }

    static EncoderJob encoder(String id, byte[] image, Long deadlineMs) {
        return new EncoderJob(ByteBuffer.wrap(image), header(id, RequestKind.CAPTION, deadlineMs));
    }

    /** IMAGE mode with guidance; temperature 0 is greedy (the golden setting). */
    LlamaJob generate(String id, float temperature, long seed) {
        SamplingParams s = new SamplingParams(temperature, temperature == 0 ? 0 : 64, 1.0f, generateCfg, null);
        return new LlamaJob(LlamaMode.IMAGE, generatePrompt, generateUnconditional, s, seed, header(id, RequestKind.GENERATE, null));
    }

    static LlamaJob llama(String id, List<Integer> prompt, SamplingParams s) {
        return new LlamaJob(LlamaMode.IMAGE, prompt, null, s, 1L, header(id, RequestKind.GENERATE, null));
    }

    static MmditJob mmdit(String id, List<Integer> codes, long seed) {
        return new MmditJob(codes, seed, header(id, RequestKind.GENERATE, null), null);
    }

    private static JobHeader header(String id, RequestKind kind, Long deadlineMs) {
        return new JobHeader(id, kind, System.currentTimeMillis(), deadlineMs);
    }

    private static List<Integer> boxed(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
