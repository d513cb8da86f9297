package dev.ddtstream.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The templates build exactly the prompt ids of the bundle's golden runs (made by the Python exporter). */
class PromptTemplatesTest {

    private static final Path BUNDLE = BundleLocator.committed().orElseThrow();
    private static final PromptTemplates TEMPLATES = PromptTemplates.load(BUNDLE);

    @AfterAll
    static void close() {
        TEMPLATES.close();
    }

    @Test
    void generateAndItsUnconditionalPromptMatchTheGolden() throws Exception {
        JsonNode g = golden("generate");
        assertEquals(ints(g.get("prompt_ids")), TEMPLATES.generate(g.get("text").asText()));
        assertEquals(ints(g.get("unconditional_prompt_ids")), TEMPLATES.generateUnconditional());
    }

    @Test
    void editPromptsCarryTheSourceCodesCoarseFirst() throws Exception {
        JsonNode g = golden("edit");
        int[] source = ints(g.get("source_tokens")).stream().mapToInt(Integer::intValue).toArray();
        assertEquals(ints(g.get("prompt_ids")), TEMPLATES.edit(source, g.get("text").asText()));
        assertEquals(ints(g.get("unconditional_prompt_ids")), TEMPLATES.editUnconditional(source));
    }

    @Test
    void captionPromptsAndTextMatchEveryGoldenRun() throws Exception {
        JsonNode g = golden("caption");
        int[] codes = ints(g.get("tokens")).stream().mapToInt(Integer::intValue).toArray();
        for (JsonNode run : g.get("runs")) {
            assertEquals(ints(run.get("prompt_ids")), TEMPLATES.caption(codes, run.get("question").asText()), run.toString());
            assertEquals(run.get("text").asText(), TEMPLATES.captionText(ints(run.get("output_ids"))));
        }
    }

    @Test
    void unknownWordsBecomeUnkAndCaseIsFolded() {
        assertEquals(List.of(44, 34, 1), TEMPLATES.generate("Two RED zorbs").subList(2, 5));
    }

    private static JsonNode golden(String name) throws Exception {
        return new ObjectMapper().readTree(new File(BUNDLE.resolve("golden/" + name + ".json").toString()));
    }

    private static List<Integer> ints(JsonNode a) {
        List<Integer> out = new ArrayList<>();
        a.forEach(v -> out.add(v.asInt()));
        return out;
    }
}
