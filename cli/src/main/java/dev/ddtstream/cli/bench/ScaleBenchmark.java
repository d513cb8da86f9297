package dev.ddtstream.cli.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.ddtstream.bundle.VocabularyLayout;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.encoder.DdtEncoder;
import dev.ddtstream.gpu.engine.OrtCallClock;
import dev.ddtstream.gpu.llama.DecodeRequest;
import dev.ddtstream.gpu.llama.LlamaDecoder;
import dev.ddtstream.gpu.llama.LlamaGraph;
import dev.ddtstream.gpu.llama.Sampling;
import dev.ddtstream.gpu.mmdit.MmditSampler;
import dev.ddtstream.gpu.mmdit.SampleRequest;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The stages at any bundle's geometry (a random-weight one of the paper's from
 * {@code models/random_bundle.py} is the point; no golden files needed): the encoder by batch
 * size; LLaMA prefill batches of rows x prompt tokens with the memory their logits take;
 * guided IMAGE decoding sampled with top-k, split into sampling, ONNX Runtime and the rest; and
 * MMDiT renders at chosen sampler step counts.
 */
public final class ScaleBenchmark {

    /** One prefill call of {@code rows} prompts of {@code promptTokens} each. */
    public record Prefill(int rows, int promptTokens, double ms, long logitsBytes, long allPositionsLogitsBytes) {
    }

    /** Encoding {@code batch} images of the bundle's size in one call. */
    public record Encode(int batch, double msPerImage) {
    }

    /** Mean cost of one cached decode step of {@code rows} rows when the cache holds {@code position} positions. */
    public record StepCost(int rows, int position, double msPerStep) {
    }

    /** One image rendered in {@code steps} sampler steps. */
    public record Render(int steps, double ms, double msPerStep) {
    }

    /** One guided IMAGE decode of {@code requests} requests (two rows each). */
    public record Decode(int requests, int tokens, double ms, double insideOrtMs, double samplingMs, double msPerStep,
                         double outsideOrtShare, double samplingShare) {
    }

    private final ModelBundle bundle;
    private final PrintStream out;

    public ScaleBenchmark(ModelBundle bundle, PrintStream out) {
        this.bundle = bundle;
        this.out = out;
    }

    /** Prefills each (rows, prompt) shape twice and keeps the faster call (the first pays the warm-up). */
    public List<Prefill> prefills(int[][] shapes) throws OrtException {
        LlamaGraph graph = new LlamaGraph(bundle);
        VocabularyLayout vocab = bundle.manifest().vocabulary();
        List<Prefill> points = new ArrayList<>();
        for (int[] shape : shapes) {
            int rows = shape[0];
            int len = shape[1];
            long[] ids = randomIds(vocab, rows * len, new SplittableRandom(rows * 31L + len));
            long[] mask = ones(rows * len);
            long[] positions = positions(rows, len);
            double best = Double.MAX_VALUE;
            long logitsBytes = 0;
            for (int run = 0; run < 2; run++) {
                try (OnnxTensor pk = graph.emptyPast(rows); OnnxTensor pv = graph.emptyPast(rows)) {
                    long start = System.nanoTime();
                    try (LlamaGraph.Step step = graph.forward(ids, mask, positions, rows, len, pk, pv)) {
                        best = Math.min(best, (System.nanoTime() - start) / 1e6);
                        logitsBytes = (long) step.logits().length * Float.BYTES; // what the graph returned
                    }
                }
            }
            long v = vocab.vocabSize();
            Prefill p = new Prefill(rows, len, best, logitsBytes, rows * (long) len * v * Float.BYTES);
            out.printf(Locale.ROOT, "  prefill %2d x %4d tokens: %9.1f ms, logits %7.1f MB (all positions would be %,9.1f MB)%n",
                    rows, len, p.ms(), p.logitsBytes() / 1e6, p.allPositionsLogitsBytes() / 1e6);
            points.add(p);
        }
        return points;
    }

    /** The encoder on random images at each batch size (best of two calls after a warm-up). */
    public List<Encode> encodes(int[] batches) {
        DdtEncoder encoder = new DdtEncoder(bundle);
        int side = bundle.manifest().imageSize();
        SplittableRandom rng = new SplittableRandom(11);
        List<Encode> points = new ArrayList<>();
        for (int batch : batches) {
            List<int[]> images = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                int[] rgb = new int[side * side];
                for (int p = 0; p < rgb.length; p++) {
                    rgb[p] = rng.nextInt(1 << 24);
                }
                images.add(rgb);
            }
            encoder.encodePixels(images);
            double best = Double.MAX_VALUE;
            for (int run = 0; run < 2; run++) {
                long start = System.nanoTime();
                encoder.encodePixels(images);
                best = Math.min(best, (System.nanoTime() - start) / 1e6);
            }
            Encode e = new Encode(batch, best / batch);
            out.printf(Locale.ROOT, "  encode %2d images of %dx%d: %8.1f ms per image%n", batch, side, side, e.msPerImage());
            points.add(e);
        }
        return points;
    }

    /**
     * Decode-step cost by cache length: for each position, a prefill of {@code rows} x position
     * tokens, then {@code steps} timed decode calls of one token each over that cache (after one
     * untimed). The cache is read in place and not grown, as in the decode loop, which writes
     * each step's new keys into its slots.
     */
    public List<StepCost> stepCosts(int rows, int[] positions, int steps) throws OrtException {
        LlamaGraph graph = new LlamaGraph(bundle);
        VocabularyLayout vocab = bundle.manifest().vocabulary();
        SplittableRandom rng = new SplittableRandom(17);
        List<StepCost> points = new ArrayList<>();
        for (int position : positions) {
            long[] ids = randomIds(vocab, rows * position, rng);
            try (OnnxTensor pk = graph.emptyPast(rows); OnnxTensor pv = graph.emptyPast(rows);
                 LlamaGraph.Step prefill = graph.forward(ids, ones(rows * position), positions(rows, position), rows, position, pk, pv)) {
                long[] mask = ones(rows * (position + 1));
                long[] next = new long[rows];
                Arrays.fill(next, position);
                long elapsed = 0;
                for (int s = 0; s <= steps; s++) { // step 0 warms up and is not timed
                    long start = System.nanoTime();
                    graph.forward(randomIds(vocab, rows, rng), mask, next, rows, 1, prefill.newKey(), prefill.newValue()).close();
                    elapsed += s == 0 ? 0 : System.nanoTime() - start;
                }
                StepCost c = new StepCost(rows, position, elapsed / 1e6 / steps);
                out.printf(Locale.ROOT, "  decode step, %2d rows at position %5d: %8.1f ms%n", rows, position, c.msPerStep());
                points.add(c);
            }
        }
        return points;
    }

    /** One image from random codes at each step count (0 = the bundle's), after a one-step warm-up. */
    public List<Render> renders(int[] stepCounts) {
        MmditSampler sampler = new MmditSampler(bundle);
        int[] codes = new int[bundle.manifest().tokensPerImage()];
        SplittableRandom rng = new SplittableRandom(13);
        for (int i = 0; i < codes.length; i++) {
            codes[i] = rng.nextInt(bundle.manifest().vocabulary().codebookSize());
        }
        sampler.sample(List.of(SampleRequest.seeded(codes, 0).withSteps(1)));
        List<Render> points = new ArrayList<>();
        for (int steps : stepCounts) {
            int n = steps == 0 ? sampler.steps() : steps;
            long start = System.nanoTime();
            sampler.sample(List.of(SampleRequest.seeded(codes, 1).withSteps(n))).get(0).value();
            double ms = (System.nanoTime() - start) / 1e6;
            Render r = new Render(n, ms, ms / n);
            out.printf(Locale.ROOT, "  render 1 image in %4d steps: %9.0f ms (%.1f ms per step)%n", n, ms, r.msPerStep());
            points.add(r);
        }
        return points;
    }

    /** One guided IMAGE decode of {@code requests} requests, sampled (temperature 1, top-k 64). */
    public Decode guidedImages(int requests, int promptTokens, double cfgScale) {
        VocabularyLayout vocab = bundle.manifest().vocabulary();
        LlamaDecoder decoder = new LlamaDecoder(bundle);
        SplittableRandom rng = new SplittableRandom(7);
        List<DecodeRequest> batch = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            int[] prompt = toInts(randomIds(vocab, promptTokens, rng));
            int[] unconditional = {prompt[0], prompt[promptTokens - 1]};
            batch.add(DecodeRequest.image(prompt, unconditional, cfgScale, Sampling.sample(1.0, 64, i)));
        }
        OrtCallClock.reset();
        LlamaDecoder.resetSamplingClock();
        long start = System.nanoTime();
        decoder.decode(batch).forEach(r -> r.value());
        double ms = (System.nanoTime() - start) / 1e6;
        double inside = OrtCallClock.nanos() / 1e6;
        double sampling = LlamaDecoder.samplingNanos() / 1e6;
        int t = decoder.tokensPerImage();
        Decode d = new Decode(requests, t, ms, inside, sampling, ms / t, 1 - inside / ms, sampling / ms);
        out.printf(Locale.ROOT, "  guided IMAGE decode, %d requests (%d rows) x %d tokens: %.0f ms, %.1f ms per step; "
                + "sampling (logits read, guidance, top-k) %.1f%%, outside ONNX Runtime altogether %.1f%%%n",
                requests, 2 * requests, t, ms, d.msPerStep(), 100 * d.samplingShare(), 100 * d.outsideOrtShare());
        return d;
    }

    /** Unpadded prompts: every mask entry 1. */
    private static long[] ones(int n) {
        long[] out = new long[n];
        Arrays.fill(out, 1);
        return out;
    }

    /** Positions 0..len-1 of each of {@code rows} unpadded prompts. */
    private static long[] positions(int rows, int len) {
        long[] out = new long[rows * len];
        for (int i = 0; i < out.length; i++) {
            out[i] = i % len;
        }
        return out;
    }

    private static long[] randomIds(VocabularyLayout vocab, int n, SplittableRandom rng) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(vocab.vocabSize());
        }
        return ids;
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }
}
