package dev.ddtstream.cli;

import dev.ddtstream.bundle.BatchPolicy;
import dev.ddtstream.bundle.Batching;
import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.DecodingDefaults;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.bundle.PromptTemplates;
import dev.ddtstream.bundle.VisualTokens;
import dev.ddtstream.cli.suite.HeldOutSuite;
import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SamplingParams;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.encoder.DdtEncoder;
import dev.ddtstream.gpu.llama.DecodeRequest;
import dev.ddtstream.gpu.llama.LlamaDecoder;
import dev.ddtstream.gpu.llama.Sampling;
import dev.ddtstream.gpu.mmdit.MmditSampler;
import dev.ddtstream.gpu.mmdit.SampleRequest;
import dev.ddtstream.gpu.runtime.DeviceSpec;
import dev.ddtstream.gpu.runtime.RuntimeConfig;
import dev.ddtstream.gpu.runtime.SessionFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ddt bench pipeline}: the same request suite served end to end through Kafka (a running
 * stack such as {@code ddt cluster up}, else the embedded broker and registry with both
 * orchestrators and the three pools) and by calling the same engines in-process, stage by stage,
 * in batches of the pools' default size. The ratio is what the streaming system costs (or, with
 * pipelining across stages, gains) over a bare loop. An embedded stack runs the serving path alone
 * (broker, registry, pools, orchestrators): the Flink evaluator and the dashboard, which score and
 * show results and which the in-process loop has no counterpart of, added a quarter to the CPU time
 * of the measured pass on two cores (4.4-4.8 s against 3.3-3.9 s for 96 requests, about half of it
 * JIT compilation), taken from the engines; {@code --observers} runs them too, as the benchmark did
 * before. Through Kafka the first answer comes only after its LLaMA and MMDiT steps, which the two
 * stages' loops share with other jobs and with each other, and every hop's commit and batching wait
 * (0.5-1.0 s here), a fixed cost that a short suite does not amortise: the output gives it, and the
 * rate between the first and the last answer, beside the whole run's. The default suite of 480
 * requests lasts about 7 s a pass here, long enough for throughput rather than that fill time to
 * decide the ratio (at 96 requests, 1.3 s a pass in-process, a 0.7-s fill alone holds it under
 * 0.65 however fast the stream runs once full). Both paths serve the suite
 * {@code --warmup} times before {@code --passes} measured passes, and their medians are compared: a
 * service runs warm, and the streaming side has far more code (clients, Streams, the broker) for the
 * JIT to compile than the bare loop, so a single warm-up pass measured the compiler as much as the
 * system.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "End-to-end throughput through Kafka against the same engines called in-process with the same batching.")
final class BenchPipelineCommand implements Callable<Integer> {

    @Option(names = "--requests", defaultValue = "480", description = "Requests in the suite: half GENERATE, a quarter EDIT, a quarter CAPTION (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda:N or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured passes of the suite on each path first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--passes", defaultValue = "3", description = "Measured passes on each path; their medians are compared (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--observers", description = "Embedded stack only: also run the Flink evaluator and the dashboard during the run.")
    boolean observers;

    @Mixin
    Connection connection;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path dir = BundleLocator.locate().orElseThrow(() -> new IllegalStateException("no model bundle: set DDT_BUNDLE"));
        if (warmup < 0 || passes < 1) {
            throw new IllegalArgumentException("--warmup must be 0 or more and --passes 1 or more");
        }
        List<GenerationRequest> suite;
        double[] inProcessRates = new double[passes];
        try (ModelBundle bundle = ModelBundle.load(dir, new SessionFactory(RuntimeConfig.defaults().withDevice(DeviceSpec.parse(device))));
             PromptTemplates templates = PromptTemplates.load(dir)) {
            suite = withExplicitSampling(new HeldOutSuite(dir, bundle.manifest().imageSize()).requests(requests, "bench"),
                    bundle.manifest().decoding());
            for (int w = 0; w < warmup; w++) {
                serveInProcess(suite, bundle, templates);
            }
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                serveInProcess(suite, bundle, templates);
                inProcessRates[p] = suite.size() / ((System.nanoTime() - t0) / 1e9);
            }
        }
        Batching batching = ManifestReader.read(dir).batching();
        double[] kafkaRates = new double[passes];
        double[] firstAnswerS = new double[passes];
        double[] steadyKafka = new double[passes];
        String stackKind;
        try (SuiteStack stack = observers ? SuiteStack.open(connection, device, out) : SuiteStack.servingOnly(connection, device, out);
             DdtClient client = DdtClient.connect(stack.clientProperties)) {
            stackKind = stack.embedded().isEmpty() ? "a running stack" : observers ? "embedded, with the evaluator and dashboard"
                    : "embedded, serving path only";
            for (int w = 0; w < Math.max(1, warmup); w++) { // the first batches pay the graph and consumer warm-up
                send(client, rename(suite, "warm" + w));
            }
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                long[] answered = send(client, rename(suite, "run" + p));
                kafkaRates[p] = suite.size() / ((answered[answered.length - 1] - t0) / 1e9);
                firstAnswerS[p] = (answered[0] - t0) / 1e9;
                steadyKafka[p] = (answered.length - 1) / ((answered[answered.length - 1] - answered[0]) / 1e9);
            }
        }
        double inProcess = median(inProcessRates);
        double throughKafka = median(kafkaRates);
        out.printf(Locale.ROOT, "%n%d requests (%s), batches as the bundle's serving defaults (llama up to %d), %s, %s%n", suite.size(),
                mix(suite), batching.llama().maxBatchSize(), device, stackKind);
        out.printf(Locale.ROOT, "medians of %d passes after %d warm-up passes on each path%n", passes, warmup);
        out.printf(Locale.ROOT, "in-process engines, stage by stage: %8.2f requests/s  (passes %s)%n", inProcess, figures(inProcessRates));
        out.printf(Locale.ROOT, "through Kafka, end to end:          %8.2f requests/s  (passes %s)%n", throughKafka, figures(kafkaRates));
        out.printf(Locale.ROOT, "  first answer after %.2f s; from the first answer to the last %.2f requests/s%n",
                median(firstAnswerS), median(steadyKafka));
        out.printf(Locale.ROOT, "ratio (Kafka / in-process):         %8.2f%n", throughKafka / inProcess);
        return 0;
    }

    /** The orchestrators' defaults (the bundle's), made explicit so that both paths sample the same way. */
    private static List<GenerationRequest> withExplicitSampling(List<GenerationRequest> suite, DecodingDefaults d) {
        List<GenerationRequest> out = new ArrayList<>();
        float temperature = (float) d.temperature();
        for (GenerationRequest r : suite) {
            SamplingParams s = switch (r.getKind()) {
                case GENERATE -> new SamplingParams(temperature, d.topK(), 1f, (float) d.cfgGenerate(), null);
                case EDIT -> new SamplingParams(temperature, d.topK(), 1f, (float) d.cfgEdit(), null);
                case CAPTION -> new SamplingParams(0f, 0, 1f, 0f, d.captionMaxNewTokens());
                case TOKENIZE -> throw new IllegalArgumentException("the suite has no TOKENIZE requests");
            };
            out.add(GenerationRequest.newBuilder(r).setSampling(s).build());
        }
        return out;
    }

    private static void serveInProcess(List<GenerationRequest> suite, ModelBundle bundle, PromptTemplates t) {
        Batching batching = bundle.manifest().batching();
        DdtEncoder encoder = new DdtEncoder(bundle);
        LlamaDecoder llama = new LlamaDecoder(bundle);
        MmditSampler mmdit = new MmditSampler(bundle);
        Map<GenerationRequest, int[]> sources = new HashMap<>();
        List<GenerationRequest> withImage = suite.stream().filter(r -> r.getKind() != RequestKind.GENERATE).toList();
        for (List<GenerationRequest> batch : batches(withImage, batching.encoder())) {
            var codes = encoder.encode(batch.stream().map(r -> Utils.toArray(r.getImage())).toList());
            for (int i = 0; i < batch.size(); i++) {
                sources.put(batch.get(i), codes.get(i).value());
            }
        }
        Map<GenerationRequest, int[]> visual = new HashMap<>();
        for (List<GenerationRequest> batch : batches(suite, batching.llama())) {
            var decoded = llama.decode(batch.stream().map(r -> decodeRequest(r, sources.get(r), t)).toList());
            for (int i = 0; i < batch.size(); i++) {
                if (batch.get(i).getKind() != RequestKind.CAPTION) {
                    visual.put(batch.get(i), VisualTokens.toCodes(llama.vocabulary(), decoded.get(i).value().tokens()));
                } else {
                    t.captionText(Arrays.stream(decoded.get(i).value().tokens()).boxed().toList());
                }
            }
        }
        List<GenerationRequest> images = suite.stream().filter(r -> r.getKind() != RequestKind.CAPTION).toList();
        for (List<GenerationRequest> batch : batches(images, batching.mmdit())) {
            mmdit.sample(batch.stream().map(r -> SampleRequest.seeded(visual.get(r), r.getSeed())).toList());
        }
    }

    private static DecodeRequest decodeRequest(GenerationRequest r, int[] source, PromptTemplates t) {
        SamplingParams s = r.getSampling();
        var sampling = new Sampling(s.getTemperature(), s.getTopK(), s.getTopP(), r.getSeed());
        return switch (r.getKind()) {
            case GENERATE -> DecodeRequest.image(ints(t.generate(r.getPrompt())), ints(t.generateUnconditional()), s.getCfgScale(), sampling);
            case EDIT -> DecodeRequest.image(ints(t.edit(source, r.getPrompt())), ints(t.editUnconditional(source)), s.getCfgScale(), sampling);
            case CAPTION -> DecodeRequest.text(ints(t.caption(source, r.getPrompt())), s.getMaxNewTokens(), sampling);
            case TOKENIZE -> throw new IllegalArgumentException("TOKENIZE requests do not reach the LLaMA stage");
        };
    }

    /** Sends the suite at once and waits for every answer; returns when each came (nanoTime), sorted. */
    private static long[] send(DdtClient client, List<GenerationRequest> suite) throws Exception {
        List<CompletableFuture<Long>> answers = new ArrayList<>();
        suite.forEach(r -> answers.add(client.submit(r).thenApply(a -> System.nanoTime())));
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        return answers.stream().mapToLong(CompletableFuture::join).sorted().toArray();
    }

    private static List<GenerationRequest> rename(List<GenerationRequest> suite, String prefix) {
        return suite.stream().map(r -> GenerationRequest.newBuilder(r).setRequestId(prefix + "-" + r.getRequestId())
                .setCreatedAtMs(System.currentTimeMillis()).build()).toList();
    }

    private static <T> List<List<T>> batches(List<T> items, BatchPolicy policy) {
        int size = policy.maxBatchSize();
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            out.add(items.subList(i, Math.min(items.size(), i + size)));
        }
        return out;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static String figures(double[] xs) {
        return String.join(" ", Arrays.stream(xs).mapToObj(x -> String.format(Locale.ROOT, "%.1f", x)).toList());
    }

    private static String mix(List<GenerationRequest> suite) {
        Map<RequestKind, Long> n = new EnumMap<>(RequestKind.class);
        suite.forEach(r -> n.merge(r.getKind(), 1L, Long::sum));
        return n.toString();
    }

    private static int[] ints(List<Integer> ids) {
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
