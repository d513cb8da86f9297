package dev.ddtstream.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.runtime.RuntimeConfig;
import dev.ddtstream.gpu.runtime.SessionFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleBenchmarkTest {

    @Test
    void measuresEachStageOnTheCommittedBundle() throws Exception {
        try (ModelBundle bundle = ModelBundle.load(BundleLocator.committed().orElseThrow(),
                new SessionFactory(RuntimeConfig.singleThreadedCpu()))) {
            ScaleBenchmark bench = new ScaleBenchmark(bundle, new PrintStream(new ByteArrayOutputStream()));
            long v = bundle.manifest().vocabulary().vocabSize();
            ScaleBenchmark.Prefill p = bench.prefills(new int[][] {{3, 7}}).get(0);
            assertEquals(3 * v * Float.BYTES, p.logitsBytes(), "logits of the last position of each row only");
            assertEquals(3 * 7 * v * Float.BYTES, p.allPositionsLogitsBytes());
            List<ScaleBenchmark.StepCost> steps = bench.stepCosts(2, new int[] {4, 16}, 2);
            assertEquals(List.of(4, 16), steps.stream().map(ScaleBenchmark.StepCost::position).toList());
            assertTrue(steps.stream().allMatch(s -> s.msPerStep() > 0));
            List<ScaleBenchmark.Render> renders = bench.renders(new int[] {1, 0});
            assertEquals(List.of(1, bundle.manifest().sampler().steps()), renders.stream().map(ScaleBenchmark.Render::steps).toList());
            assertEquals(2, bench.encodes(new int[] {1, 2}).size());
            ScaleBenchmark.Decode d = bench.guidedImages(1, 4, 3.0);
            assertEquals(bundle.manifest().tokensPerImage(), d.tokens());
            assertTrue(d.samplingShare() > 0 && d.samplingShare() < d.outsideOrtShare() + 1e-9 && d.outsideOrtShare() < 1, d.toString());
        }
    }
}
