package dev.ddtstream.cli.bench;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ddtstream.bundle.BundleManifest;
import dev.ddtstream.bundle.GoldenCases;
import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.bundle.RgbImages;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.encoder.DdtEncoder;
import dev.ddtstream.gpu.engine.OrtCallClock;
import dev.ddtstream.gpu.llama.DecodeRequest;
import dev.ddtstream.gpu.llama.LlamaDecoder;
import dev.ddtstream.gpu.llama.LlamaGraph;
import dev.ddtstream.gpu.llama.Sampling;
import dev.ddtstream.gpu.mmdit.MmditSampler;
import dev.ddtstream.gpu.mmdit.SampleRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Measures the three engines on a bundle, in-process: per stage and batch size, latency per
 * engine call and items per second; the share of each call spent outside ONNX Runtime
 * (image decoding, normalisation, sampling, tensor copies); and LLaMA decoding with the KV cache
 * against recomputing the whole sequence for every token. Inputs come from the bundle's
 * {@link GoldenCases}: the encoder's images as PNG files, the GENERATE prompt with its guidance (two rows per
 * request, greedy), and the GENERATE codes for the sampler; a bundle without golden files (a random-weight
 * one) gets random images and codes and a templated prompt.
 */
public final class StageBenchmark {

    /** One stage at one batch size. */
    public record Point(String stage, int batch, int calls, double meanMs, double p50Ms, double p95Ms,
                        double itemsPerSecond, double outsideOrtShare) {
    }

    /** Greedy IMAGE decoding of {@code batch} requests, cached against recomputed. */
    public record KvCacheComparison(int batch, int tokens, double cachedMs, double recomputeMs, double speedup,
                                    boolean sameTokens) {
    }

    /** Everything measured, with the machine it ran on. */
    public record Report(String machine, String device, String bundle, double minSecondsPerPoint,
                         List<Point> points, List<KvCacheComparison> kvCache) {

        /** Items per second at {@code batch} over those at batch 1, for a stage. */
        public double batchingSpeedup(String stage, int batch) {
            return rate(stage, batch) / rate(stage, 1);
        }

        private double rate(String stage, int batch) {
            return points.stream().filter(p -> p.stage().equals(stage) && p.batch() == batch).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no point for " + stage + " at batch " + batch))
                    .itemsPerSecond();
        }
    }

    private static final int MIN_CALLS = 3;
    private static final int MAX_CALLS = 500;

    private final ModelBundle bundle;
    private final Duration minTimePerPoint;
    private final PrintStream progress;

    public StageBenchmark(ModelBundle bundle, Duration minTimePerPoint, PrintStream progress) {
        this.bundle = bundle;
        this.minTimePerPoint = minTimePerPoint;
        this.progress = progress;
    }

    /** What the engines are fed: the bundle's golden cases, or made up when it has none (a random-weight bundle). */
    record Inputs(int[] prompt, int[] unconditional, double cfg, int[] codes, List<byte[]> images) {

        static Inputs of(ModelBundle bundle) {
            if (!bundle.manifest().goldenFiles().isEmpty()) {
                GoldenCases golden = GoldenCases.read(bundle.directory());
                GoldenCases.Generation g = golden.generate();
                return new Inputs(g.prompt(), g.unconditionalPrompt(), g.cfgScale(), g.codes(),
                        golden.encoderImages().stream().map(GoldenCases.EncodedImage::png).toList());
            }
            BundleManifest m = bundle.manifest();
            SplittableRandom rng = new SplittableRandom(5);
            int[] codes = new int[m.tokensPerImage()];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = rng.nextInt(m.vocabulary().codebookSize());
            }
            List<byte[]> images = new ArrayList<>();
            for (int n = 0; n < 4; n++) {
                int[] rgb = new int[m.imageSize() * m.imageSize()];
                for (int i = 0; i < rgb.length; i++) {
                    rgb[i] = rng.nextInt(1 << 24);
                }
                images.add(RgbImages.png(rgb, m.imageSize()));
            }
            try (PromptTemplates templates = PromptTemplates.load(bundle.directory())) {
                return new Inputs(toArray(templates.generate("two red circles")), toArray(templates.generateUnconditional()),
                        m.decoding().cfgGenerate(), codes, images);
            }
        }

        private static int[] toArray(List<Integer> ids) {
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    public Report run(List<Integer> batchSizes) throws OrtException {
        Inputs inputs = Inputs.of(bundle);
        int[] prompt = inputs.prompt();
        int[] unconditional = inputs.unconditional();
        double cfg = inputs.cfg();
        int[] codes = inputs.codes();
        List<byte[]> images = inputs.images();

        DdtEncoder encoder = new DdtEncoder(bundle);
        LlamaDecoder decoder = new LlamaDecoder(bundle);
        MmditSampler sampler = new MmditSampler(bundle);
        List<Point> points = new ArrayList<>();
        for (int b : batchSizes) {
            List<byte[]> batchImages = new ArrayList<>();
            List<DecodeRequest> decodes = new ArrayList<>();
            List<SampleRequest> samples = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                batchImages.add(images.get(i % images.size()));
                decodes.add(DecodeRequest.image(prompt, unconditional, cfg, Sampling.greedy()));
                samples.add(SampleRequest.seeded(codes, i));
            }
            points.add(measure("encoder", b, () -> encoder.encode(batchImages)));
            points.add(measure("llama", b, () -> decoder.decode(decodes)));
            points.add(measure("mmdit", b, () -> sampler.sample(samples)));
        }

        List<KvCacheComparison> kv = new ArrayList<>();
        RecomputeDecoder recompute = new RecomputeDecoder(new LlamaGraph(bundle), decoder.vocabulary());
        int t = decoder.tokensPerImage();
        for (int b : batchSizes) {
            List<DecodeRequest> plain = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                plain.add(DecodeRequest.image(prompt, null, 1.0, Sampling.greedy()));
            }
            double cached = measure("llama-kv-cache", b, () -> decoder.decode(plain)).meanMs();
            double full = measure("llama-recompute", b, () -> uncheckedRecompute(recompute, prompt, b, t)).meanMs();
            int[] cachedTokens = decoder.decode(plain).get(0).value().tokens();
            int[] recomputed = uncheckedRecompute(recompute, prompt, 1, t)[0];
            kv.add(new KvCacheComparison(b, t, cached, full, full / cached, Arrays.equals(cachedTokens, recomputed)));
        }
        String device = bundle.sessionFactory().device().toString();
        return new Report(machine(), device, bundle.directory().getFileName().toString(),
                minTimePerPoint.toMillis() / 1000.0, points, kv);
    }

    private Point measure(String stage, int batch, Supplier<?> call) {
        call.get(); // warm-up: first-call allocations and ONNX Runtime's lazy initialisation
        List<Double> millis = new ArrayList<>();
        long outside = 0;
        long total = 0;
        long until = System.nanoTime() + minTimePerPoint.toNanos();
        while (millis.size() < MAX_CALLS && (millis.size() < MIN_CALLS || System.nanoTime() < until)) {
            OrtCallClock.reset();
            long start = System.nanoTime();
            call.get();
            long elapsed = System.nanoTime() - start;
            millis.add(elapsed / 1e6);
            total += elapsed;
            outside += Math.max(0, elapsed - OrtCallClock.nanos());
        }
        double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double mean = total / 1e6 / sorted.length;
        Point p = new Point(stage, batch, sorted.length, mean, percentile(sorted, 0.5), percentile(sorted, 0.95),
                batch * 1000.0 / mean, (double) outside / total);
        progress.printf(Locale.ROOT, "  %-16s batch %2d: %8.2f ms per call, %9.1f items/s%n", stage, batch, mean, p.itemsPerSecond());
        return p;
    }

    private static int[][] uncheckedRecompute(RecomputeDecoder r, int[] prompt, int batch, int tokens) {
        try {
            return r.decode(prompt, batch, tokens);
        } catch (OrtException e) {
            throw new IllegalStateException("recompute decoding failed: " + e.getMessage(), e);
        }
    }

    private static double percentile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** The report as a table, one row per stage and batch size, then the KV-cache comparison. */
    public static String table(Report r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Stage benchmark: bundle %s on %s (%s)%n", r.bundle(), r.device(), r.machine()));
        s.append(String.format(Locale.ROOT, "%-8s %5s %6s %10s %10s %10s %12s %14s%n",
                "stage", "batch", "calls", "mean ms", "p50 ms", "p95 ms", "items/s", "outside ORT"));
        for (Point p : r.points()) {
            s.append(String.format(Locale.ROOT, "%-8s %5d %6d %10.2f %10.2f %10.2f %12.1f %13.1f%%%n",
                    p.stage(), p.batch(), p.calls(), p.meanMs(), p.p50Ms(), p.p95Ms(), p.itemsPerSecond(),
                    100 * p.outsideOrtShare()));
        }
        s.append(String.format(Locale.ROOT, "%nLLaMA greedy IMAGE decoding, %d tokens: KV cache against recomputing the sequence%n",
                r.kvCache().isEmpty() ? 0 : r.kvCache().get(0).tokens()));
        s.append(String.format(Locale.ROOT, "%5s %12s %14s %9s %12s%n", "batch", "cached ms", "recompute ms", "speed-up", "same tokens"));
        for (KvCacheComparison k : r.kvCache()) {
            s.append(String.format(Locale.ROOT, "%5d %12.2f %14.2f %8.2fx %12s%n",
                    k.batch(), k.cachedMs(), k.recomputeMs(), k.speedup(), k.sameTokens() ? "yes" : "NO"));
        }
        return s.toString();
    }

    public static void writeJson(Report r, Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** CPU model, cores and Java version, for the figures' provenance. */
    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException | RuntimeException e) {
            // not Linux: the core count and Java version still say something
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version");
    }
}
