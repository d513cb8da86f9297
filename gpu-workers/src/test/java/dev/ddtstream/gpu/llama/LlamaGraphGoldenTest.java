package dev.ddtstream.gpu.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ddtstream.gpu.Golden;
import dev.ddtstream.gpu.TestBundles;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.engine.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlamaGraphGoldenTest {

    @Test
    void leftPaddingReproducesTheGoldenPrefillInputs() {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode in = Golden.read(b, "llama").get("calls").get(0).get("inputs");
            int[] shape = Golden.shape(in.get("input_ids"));
            long[] ids = Golden.longs(in.get("input_ids"));
            long[] mask = Golden.longs(in.get("attention_mask"));
            List<int[]> prompts = new ArrayList<>();
            for (int r = 0; r < shape[0]; r++) {
                List<Integer> p = new ArrayList<>();
                for (int c = 0; c < shape[1]; c++) {
                    if (mask[r * shape[1] + c] == 1) {
                        p.add((int) ids[r * shape[1] + c]);
                    }
                }
                prompts.add(p.stream().mapToInt(Integer::intValue).toArray());
            }
            LeftPaddedBatch batch = LeftPaddedBatch.of(prompts, b.manifest().vocabulary().pad());
            assertArrayEquals(ids, batch.ids());
            assertArrayEquals(mask, batch.mask());
            assertArrayEquals(Golden.longs(in.get("position_ids")), batch.positions());
        }
    }

    private static final double LOGITS_TOL = 1e-4;

    @Test
    void prefillAndCachedDecodeMatchGolden() throws OrtException {
        for (ModelBundle b : TestBundles.all()) {
            JsonNode calls = Golden.read(b, "llama").get("calls");
            JsonNode pre = calls.get(0);
            JsonNode dec = calls.get(1);
            LlamaGraph graph = new LlamaGraph(b);
            int[] shape = Golden.shape(pre.get("inputs").get("input_ids"));
            int batch = shape[0];
            try (OnnxTensor pk = graph.emptyPast(batch); OnnxTensor pv = graph.emptyPast(batch);
                 LlamaGraph.Step s1 = graph.forward(Golden.longs(pre.get("inputs").get("input_ids")),
                         Golden.longs(pre.get("inputs").get("attention_mask")), Golden.longs(pre.get("inputs").get("position_ids")),
                         batch, shape[1], pk, pv)) {
                double dl = Golden.maxAbsDiff(Golden.floats(pre.get("outputs").get("logits")), s1.logits());
                double dk = Golden.maxAbsDiff(Golden.floats(pre.get("outputs").get("new_key")), Tensors.toFloats(s1.newKey()));
                double dv = Golden.maxAbsDiff(Golden.floats(pre.get("outputs").get("new_value")), Tensors.toFloats(s1.newValue()));
                TestBundles.report(b, "llama prefill logits (left-padded batch of " + batch + ")", dl);
                TestBundles.report(b, "llama prefill new_key/value", Math.max(dk, dv));
                assertTrue(dl <= LOGITS_TOL && dk <= LOGITS_TOL && dv <= LOGITS_TOL, "prefill differs: " + dl + " " + dk + " " + dv);
                // after an empty past, the prefill's new keys are the whole cache
                try (LlamaGraph.Step s2 = graph.forward(Golden.longs(dec.get("inputs").get("input_ids")),
                        Golden.longs(dec.get("inputs").get("attention_mask")), Golden.longs(dec.get("inputs").get("position_ids")),
                        batch, 1, s1.newKey(), s1.newValue())) {
                    double d2 = Golden.maxAbsDiff(Golden.floats(dec.get("outputs").get("logits")), s2.logits());
                    TestBundles.report(b, "llama cached decode logits", d2);
                    assertTrue(d2 <= LOGITS_TOL, "decode logits differ by " + d2);
                    // a decode call returns one position's keys, never the cache
                    long[] ks = s2.newKey().getInfo().getShape();
                    assertArrayEquals(Golden.longs(dec.get("outputs").get("new_key_shape")), ks);
                }
            }
        }
    }
}
