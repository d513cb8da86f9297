package dev.ddtstream.cli;

import dev.ddtstream.cli.bench.ScaleBenchmark;
import dev.ddtstream.gpu.bundle.ModelBundle;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ddt bench scale}: the encoder and the LLaMA stage at any bundle's geometry, without golden files. */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "Encoder time by batch, LLaMA prefill cost and logits memory by rows x prompt, guided IMAGE decoding "
                + "with top-k sampling split into sampling and ONNX Runtime, MMDiT renders by step count; for random-weight bundles of real geometry "
                + "(models/random_bundle.py).")
final class BenchScaleCommand implements Callable<Integer> {

    @Mixin
    BundleOptions bundle;

    @Option(names = "--encode", split = ",", defaultValue = "1,8", description = "Encoder batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> encode;

    @Option(names = "--render-steps", split = ",", defaultValue = "50", description = "MMDiT sampler steps of one render each; "
            + "0 = the bundle's (default: ${DEFAULT-VALUE}, Selftok's).")
    List<Integer> renderSteps;

    @Option(names = "--prefill", split = ",", defaultValue = "16x64,6x528,16x528",
            description = "Prefill shapes, rows x prompt tokens (default: ${DEFAULT-VALUE}; 528 = an EDIT or CAPTION prompt at T = 512).")
    List<String> prefill;

    @Option(names = "--positions", split = ",", defaultValue = "8,128,512,1024",
            description = "Cache lengths at which a decode step of --step-rows rows is timed (default: ${DEFAULT-VALUE}).")
    List<Integer> positions;

    @Option(names = "--step-rows", defaultValue = "16", description = "Rows of those decode steps (default: ${DEFAULT-VALUE}).")
    int stepRows;

    @Option(names = "--requests", defaultValue = "8", description = "Guided IMAGE requests decoded together; 0 skips it (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--prompt", defaultValue = "16", description = "Prompt tokens of each IMAGE request (default: ${DEFAULT-VALUE}).")
    int prompt;

    @Override
    public Integer call() throws Exception {
        int[][] shapes = prefill.stream().map(s -> s.split("x")).map(p -> new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])})
                .toArray(int[][]::new);
        try (ModelBundle b = bundle.load()) {
            System.out.printf("Stages of %s (vocabulary %,d, T = %d) on %s:%n", b.directory().getFileName(),
                    b.manifest().vocabulary().vocabSize(), b.manifest().tokensPerImage(), b.sessionFactory().device());
            ScaleBenchmark bench = new ScaleBenchmark(b, System.out);
            bench.encodes(encode.stream().mapToInt(Integer::intValue).toArray());
            bench.prefills(shapes);
            bench.stepCosts(stepRows, positions.stream().mapToInt(Integer::intValue).toArray(), 8);
            bench.renders(renderSteps.stream().mapToInt(Integer::intValue).toArray());
            if (requests > 0) {
                bench.guidedImages(requests, prompt, b.manifest().decoding().cfgGenerate());
            }
        }
        return 0;
    }
}
