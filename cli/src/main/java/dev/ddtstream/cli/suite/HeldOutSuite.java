package dev.ddtstream.cli.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddtstream.bundle.RgbImages;
import dev.ddtstream.events.BenchmarkMetadata;
import dev.ddtstream.events.GenerationRequest;
import dev.ddtstream.events.ObjectClause;
import dev.ddtstream.events.RequestKind;
import dev.ddtstream.events.SceneObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fixed request suite from the bundle's held-out scenes ({@code eval/heldout.json} and the raw
 * images beside it), what {@code ddt demo} sends: GENERATE prompts over GenEval's six categories,
 * EDIT instructions with their source (and exact target) images, CAPTION questions with their
 * answers. Round-robin over the categories, so a small suite still covers each. GenEval's own
 * shape is {@link GenEvalSuite}.
 */
public final class HeldOutSuite {

    private final List<JsonNode> samples = new ArrayList<>();
    private final byte[] images;
    private final int side;

    public HeldOutSuite(Path bundleDir, int side) {
        this.side = side;
        try {
            new ObjectMapper().readTree(bundleDir.resolve("eval/heldout.json").toFile()).get("samples").forEach(samples::add);
            images = Files.readAllBytes(bundleDir.resolve("eval/heldout_images.u8"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the held-out suite of " + bundleDir, e);
        }
    }

    /** {@code n} requests: half GENERATE, a quarter each EDIT and CAPTION, seeded by position. */
    public List<GenerationRequest> requests(int n, String runId) {
        int edits = n / 4;
        int captions = n / 4;
        int generates = n - edits - captions;
        List<GenerationRequest> out = new ArrayList<>();
        out.addAll(pick("t2i", generates, runId));
        out.addAll(pick("edit", edits, runId));
        out.addAll(pick("caption", captions, runId));
        return out;
    }

    /** {@code n} requests of one kind (GENERATE, EDIT or CAPTION), round-robin over the suite's categories. */
    public List<GenerationRequest> ofKind(RequestKind kind, int n, String runId) {
        return pick(switch (kind) {
            case GENERATE -> "t2i";
            case EDIT -> "edit";
            case CAPTION -> "caption";
            case TOKENIZE -> throw new IllegalArgumentException("the held-out suite has no TOKENIZE requests");
        }, n, runId);
    }

    /** {@code n} GENERATE requests, round-robin over GenEval's categories. */
    public List<GenerationRequest> generates(int n, String runId) {
        return pick("t2i", n, runId);
    }

    private List<GenerationRequest> pick(String task, int n, String runId) {
        Map<String, List<JsonNode>> byKind = new LinkedHashMap<>();
        for (JsonNode s : samples) {
            if (s.get("task").asText().equals(task)) {
                byKind.computeIfAbsent(s.get("kind").asText(), k -> new ArrayList<>()).add(s);
            }
        }
        List<List<JsonNode>> kinds = new ArrayList<>(byKind.values());
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < n && !kinds.isEmpty(); i++) {
            List<JsonNode> kind = kinds.get(i % kinds.size());
            out.add(request(kind.get((i / kinds.size()) % kind.size()), runId + "-" + task + "-" + i, i));
        }
        return out;
    }

    private GenerationRequest request(JsonNode s, String id, int index) {
        String task = s.get("task").asText();
        BenchmarkMetadata.Builder meta = BenchmarkMetadata.newBuilder()
                .setSuite("demo-heldout").setTask(task.equals("t2i") ? s.get("kind").asText() : task)
                .setPromptId(id).setSampleIndex(index).setSceneObjects(objects(s.path("objects")));
        GenerationRequest.Builder r = GenerationRequest.newBuilder().setRequestId(id).setSeed(index)
                .setCreatedAtMs(System.currentTimeMillis());
        switch (task) {
            case "t2i" -> {
                r.setKind(RequestKind.GENERATE).setPrompt(s.get("caption").asText());
                meta.setClauses(clauses(s.path("checks")));
            }
            case "edit" -> {
                r.setKind(RequestKind.EDIT).setPrompt(s.get("instruction").asText())
                        .setImage(ByteBuffer.wrap(png(s.get("image_index").asInt())));
                meta.setExpectedImagePng(ByteBuffer.wrap(png(s.get("target_image_index").asInt())))
                        .setSceneObjects(objects(s.path("target_objects")));
            }
            default -> {
                String q = s.get("question").asText();
                r.setKind(RequestKind.CAPTION).setPrompt(q.isEmpty() ? null : q).setImage(ByteBuffer.wrap(png(s.get("image_index").asInt())));
                meta.setExpectedText(s.get("answer").asText());
            }
        }
        return r.setBenchmark(meta.build()).build();
    }

    /** The sample's GenEval checks as clauses; a relation check places clause a relative to clause b. */
    static List<ObjectClause> clauses(JsonNode checks) {
        List<ObjectClause> out = new ArrayList<>();
        for (JsonNode c : checks) {
            if (!c.has("relation")) {
                out.add(ObjectClause.newBuilder().setShape(c.get("shape").asText()).setCount(c.path("count").asInt(1))
                        .setColor(c.has("color") ? c.get("color").asText() : null)
                        .setSize(c.has("size") ? c.get("size").asText() : null).build());
            }
        }
        for (JsonNode c : checks) {
            if (c.has("relation")) {
                ObjectClause a = out.get(c.get("a").asInt());
                a.setRelation(c.get("relation").asText());
                a.setRelativeTo(c.get("b").asInt());
            }
        }
        return out;
    }

    static List<SceneObject> objects(JsonNode list) {
        List<SceneObject> out = new ArrayList<>();
        for (JsonNode o : list) {
            JsonNode b = o.get("box");
            out.add(new SceneObject(o.get("shape").asText(), o.get("color").asText(), o.path("size").asText("small"),
                    (float) b.get(0).asDouble(), (float) b.get(1).asDouble(), (float) b.get(2).asDouble(), (float) b.get(3).asDouble()));
        }
        return out;
    }

    private byte[] png(int index) {
        return RgbImages.png(images, index, side);
    }
}
