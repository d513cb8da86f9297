package dev.ddtstream.cli;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.cli.suite.EvaluationTable;
import dev.ddtstream.cli.suite.GenEvalSuite;
import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.GenerationRequest;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ddt geneval}: the bundle's GenEval-shaped suite (the six tasks in GenEval's proportions,
 * prompts as varied as the synthetic world allows, four images per prompt with the prompt's own
 * seeds) through a running stack ({@code ddt serve}, {@code ddt cluster up}, or one named by the
 * connection options), else through the embedded pipeline started for it; the Flink evaluator scores every image under
 * GenEval's rules and ours, and the command prints both next to the paper's DDT-LLaMA row.
 */
@Command(name = "geneval", mixinStandardHelpOptions = true,
        description = "Run the GenEval-shaped suite through the running stack (else the embedded pipeline) and print the evaluator's table.")
final class GenEvalCommand implements Callable<Integer> {

    @Option(names = "--scale", defaultValue = "1.0", description = "Fraction of GenEval's 553 prompts (default: ${DEFAULT-VALUE}).")
    double scale;

    @Option(names = "--images-per-prompt", defaultValue = "4", description = "Images per prompt, seeds 0..n-1 (default: ${DEFAULT-VALUE}).")
    int imagesPerPrompt;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda:N or auto, for the embedded pipeline (default: ${DEFAULT-VALUE}).")
    String device;

    @Mixin
    Connection connection;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        var bundle = BundleLocator.locate().orElseThrow(() -> new IllegalStateException(
                "no model bundle: set DDT_BUNDLE or run from a checkout with " + BundleLocator.COMMITTED));
        List<GenerationRequest> suite = GenEvalSuite.read(bundle)
                .requests(scale, imagesPerPrompt, "geneval-" + Long.toString(System.currentTimeMillis(), 36));
        try (SuiteStack stack = SuiteStack.open(connection, device, out);
             DdtClient client = DdtClient.connect(stack.clientProperties)) {
            out.printf("%nSending the suite: %d images (%d prompts x %d)...%n", suite.size(), suite.size() / imagesPerPrompt, imagesPerPrompt);
            AtomicInteger done = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            long t0 = System.nanoTime();
            List<CompletableFuture<?>> answers = new ArrayList<>();
            try (Progress progress = new Progress(out, suite.size(), done::get, failed::get)) {
                for (GenerationRequest r : suite) {
                    answers.add(client.submit(r).whenComplete((v, e) -> {
                        done.incrementAndGet();
                        if (e != null) {
                            failed.incrementAndGet();
                        }
                    }));
                }
                CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(30, TimeUnit.MINUTES);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Set<String> ids = suite.stream().map(GenerationRequest::getRequestId).collect(Collectors.toSet());
            List<EvaluationResult> verdicts = EvaluationTable.await(stack.clientProperties, ids, Duration.ofMinutes(2));
            out.printf("%n%d images generated in %.1f s (%.1f images/s), %d failed; %d scored by the Flink evaluator%n%n",
                    suite.size(), seconds, suite.size() / seconds, failed.get(), verdicts.size());
            out.print(EvaluationTable.format(verdicts));
        }
        return 0;
    }
}
