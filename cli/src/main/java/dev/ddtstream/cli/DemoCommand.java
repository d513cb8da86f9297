package dev.ddtstream.cli;

import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.bundle.ManifestReader;
import dev.ddtstream.cli.suite.EvaluationTable;
import dev.ddtstream.cli.suite.HeldOutSuite;
import dev.ddtstream.cli.suite.RequestMixJob;
import dev.ddtstream.client.api.DdtClient;
import dev.ddtstream.client.api.RequestFailedException;
import dev.ddtstream.events.EvaluationResult;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.schemas.Topics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ddt demo}: starts everything embedded, sends a suite of GENERATE, EDIT and CAPTION
 * requests built from the bundle's held-out scenes, writes every image and a report, prints a
 * summary and stops everything.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start everything embedded, send a held-out request suite through it, write images and report.html, stop.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--requests", defaultValue = "24", description = "Requests in the suite: half GENERATE, a quarter EDIT, a quarter CAPTION (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--out", defaultValue = "target/demo", description = "Where images and report.html go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda:N or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--timeout", defaultValue = "300", description = "Seconds to wait for the suite's answers (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintStream stdout = System.out;
        long began = System.nanoTime();
        Path bundle = BundleLocator.locate().orElseThrow(() -> new IllegalStateException(
                "no model bundle: set DDT_BUNDLE or run from a checkout with " + BundleLocator.COMMITTED));
        List<GenerationRequest> suite = new HeldOutSuite(bundle, ManifestReader.read(bundle).imageSize())
                .requests(requests, "demo-" + Long.toString(System.currentTimeMillis(), 36));
        List<Answer> answers;
        double wall;
        try (LocalPipeline pipeline = LocalPipeline.start(device, 0, stdout);
             DdtClient client = DdtClient.connect(pipeline.clientProperties)) {
            pipeline.generator.httpUrl().ifPresent(u -> stdout.println("Status    " + u + "/requests/{id}"));
            pipeline.workers.metricsUrl().ifPresent(u -> stdout.println("Metrics   " + u));
            stdout.printf("%nSending %d requests (%s)...%n", suite.size(), mix(suite));
            AtomicInteger done = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            long t0 = System.nanoTime();
            List<CompletableFuture<Answer>> futures = new ArrayList<>();
            try (Progress progress = new Progress(stdout, suite.size(), done::get, failed::get)) {
                for (GenerationRequest r : suite) {
                    long sent = System.currentTimeMillis();
                    futures.add(client.submit(r).handle((result, e) -> {
                        long latency = System.currentTimeMillis() - sent;
                        done.incrementAndGet();
                        if (e == null) {
                            return new Answer(r, result, null, latency);
                        }
                        failed.incrementAndGet();
                        Throwable cause = e.getCause() != null ? e.getCause() : e;
                        if (cause instanceof RequestFailedException f) {
                            return new Answer(r, null, f.error(), latency);
                        }
                        throw new IllegalStateException("request " + r.getRequestId() + " got no answer: " + cause, cause);
                    }));
                }
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(timeoutSeconds, TimeUnit.SECONDS);
            }
            wall = (System.nanoTime() - t0) / 1e9;
            answers = futures.stream().map(CompletableFuture::join).toList();

            List<EvaluationResult> verdicts = EvaluationTable.await(pipeline.clientProperties,
                    answers.stream().filter(Answer::ok).map(a -> a.request().getRequestId()).collect(Collectors.toSet()),
                    Duration.ofSeconds(30));
            String summary = DemoReport.summary(answers, wall)
                    + String.format("%nScored by the Flink evaluator (%d of %d results):%n", verdicts.size(), answers.size())
                    + EvaluationTable.format(verdicts);
            stdout.printf("%n%s", summary);
            Path report = DemoReport.write(out, answers, summary);
            stdout.printf("Images and report: %s%n", report.toAbsolutePath());

            Map<String, Long> mix = RequestMixJob.run(pipeline.stack.flink().environment(), Topics.REQUESTS.name(),
                    pipeline.clientProperties, pipeline.stack.schemaRegistryUrl());
            stdout.printf("Requests counted by a Flink job on %s: %s%n", Topics.REQUESTS.name(), mix);
        }
        long ok = answers.stream().filter(Answer::ok).count();
        stdout.printf("%nDemo finished in %.1f s (%d of %d requests served); everything stopped.%n",
                (System.nanoTime() - began) / 1e9, ok, answers.size());
        return ok == answers.size() ? 0 : 1;
    }

    private static String mix(List<GenerationRequest> suite) {
        StringBuilder s = new StringBuilder();
        for (RequestKind k : RequestKind.values()) {
            long n = suite.stream().filter(r -> r.getKind() == k).count();
            if (n == 0) {
                continue;
            }
            s.append(s.length() == 0 ? "" : ", ").append(n).append(' ').append(k);
        }
        return s.toString();
    }
}
