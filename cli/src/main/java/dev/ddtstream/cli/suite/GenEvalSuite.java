package dev.ddtstream.cli.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddtstream.evaluator.geneval.GenEvalTask;
import dev.ddtstream.events.BenchmarkMetadata;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.RequestKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundle's GenEval-shaped suite ({@code eval/geneval_suite.json}, written by the model export):
 * GenEval's six tasks in its proportions (553 prompts), drawn from every prompt the synthetic world
 * allows, each prompt with its own seed (image j of a prompt uses seed + j) and its clauses.
 */
public final class GenEvalSuite {

    static final String FILE = "eval/geneval_suite.json";
    private static final String FORMAT = "ddt-geneval-suite/1";

    private final List<JsonNode> prompts = new ArrayList<>();
    private final int imagesPerPrompt;

    private GenEvalSuite(JsonNode root, Path file) {
        if (!FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException(file + ": format '" + root.path("format").asText() + "', expected " + FORMAT);
        }
        root.get("prompts").forEach(prompts::add);
        imagesPerPrompt = root.path("images_per_prompt").asInt(4);
    }

    /** The suite of the bundle in {@code bundleDir}. */
    public static GenEvalSuite read(Path bundleDir) {
        Path file = bundleDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the bundle " + bundleDir + " has no " + FILE
                    + ": it was exported before the GenEval-shaped suite existed; re-export it (models/export.py)");
        }
        try {
            return new GenEvalSuite(new ObjectMapper().readTree(file.toFile()), file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Images per prompt the suite was designed for (GenEval: 4). */
    public int imagesPerPrompt() {
        return imagesPerPrompt;
    }

    /**
     * The first {@code scale} of each task's prompts (at least one), {@code imagesPerPrompt} GENERATE
     * requests each, with the bundle's default sampling.
     */
    public List<GenerationRequest> requests(double scale, int imagesPerPrompt, String runId) {
        List<GenerationRequest> out = new ArrayList<>();
        for (GenEvalTask task : GenEvalTask.values()) {
            List<JsonNode> of = prompts.stream().filter(p -> p.get("kind").asText().equals(task.key())).toList();
            int n = Math.min(of.size(), Math.max(1, (int) Math.round(of.size() * scale)));
            for (JsonNode p : of.subList(0, n)) {
                String promptId = runId + "-" + p.get("id").asText().replace('/', '-');
                for (int j = 0; j < imagesPerPrompt; j++) {
                    BenchmarkMetadata meta = BenchmarkMetadata.newBuilder().setSuite("synthetic-geneval").setTask(task.key())
                            .setPromptId(promptId).setSampleIndex(j).setClauses(HeldOutSuite.clauses(p.get("checks")))
                            .setSceneObjects(HeldOutSuite.objects(p.path("objects"))).build();
                    out.add(GenerationRequest.newBuilder().setRequestId(promptId + "-" + j).setKind(RequestKind.GENERATE)
                            .setPrompt(p.get("caption").asText()).setSeed(p.get("seed").asLong() + j)
                            .setCreatedAtMs(System.currentTimeMillis()).setBenchmark(meta).build());
                }
            }
        }
        return out;
    }
}
