package dev.ddtstream.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed manifest read into typed values, and manifests that are refused with the field at fault named. */
class ManifestReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path COMMITTED = BundleLocator.committed().orElseThrow();

    @TempDir
    Path tmp;

    @Test
    void theCommittedManifestDescribesItsDecodingBatchingAndWorld() {
        BundleManifest m = ManifestReader.read(COMMITTED);
        DecodingDefaults d = m.decoding();
        assertEquals(m.raw().at("/decoding/sampling_recommendation/top_k").asInt(), d.topK());
        assertEquals(m.raw().at("/decoding/cfg/generate_scale").asDouble(), d.cfgGenerate());
        assertEquals(m.raw().at("/decoding/caption_max_new_tokens").asInt(), d.captionMaxNewTokens());
        assertEquals(m.raw().at("/batching/llama/max_batch_size").asInt(), m.batching().forStage("LLAMA").maxBatchSize());
        assertEquals(Duration.ofMillis(m.raw().at("/batching/encoder/max_queue_delay_ms").asLong()), m.batching().encoder().maxWait());
        SyntheticWorld w = m.requireWorld();
        assertArrayEquals(new int[] {220, 40, 40}, w.palette().get("red"));
        assertEquals(List.of("red", "green", "blue", "yellow", "purple", "orange"), List.copyOf(w.palette().keySet()),
                "the palette keeps the manifest's order");
        assertTrue(w.halfExtent("small") < w.halfExtent("large"));
    }

    @Test
    void theSamplerScheduleIsTheManifestsAndAnOlderBundleWithoutAShiftHasThePlainOne() throws IOException {
        BundleManifest m = ManifestReader.read(copy(x -> ((ObjectNode) x.get("sampler")).put("steps", 8).put("noise_shift", 0.25)));
        assertEquals(new SamplerSchedule(8, 0.25), m.sampler());
        BundleManifest older = ManifestReader.read(copy(x -> ((ObjectNode) x.get("sampler")).remove("noise_shift")));
        assertEquals(1.0, older.sampler().noiseShift());
    }

    @Test
    void aBundleWithoutAWorldHasNone() throws IOException {
        BundleManifest m = ManifestReader.read(copy(x -> x.remove("world")));
        assertNull(m.world());
        assertThrows(IllegalStateException.class, m::requireWorld);
    }

    @Test
    void refusesMissingOrMalformedFieldsNamingThem() throws IOException {
        assertEquals("tokenizer_model.T", refused(m -> ((ObjectNode) m.get("tokenizer_model")).remove("T")).field());
        assertEquals("vocabulary.visual_offset", refused(m -> ((ObjectNode) m.get("vocabulary")).put("visual_offset", 100000)).field());
        assertEquals("image.normalization", refused(m -> ((ObjectNode) m.get("image")).put("normalization", "x = pixel/255")).field());
        assertEquals("format", refused(m -> m.put("format", "other/2")).field());
        assertEquals("decoding.caption_max_new_tokens",
                refused(m -> ((ObjectNode) m.get("decoding")).remove("caption_max_new_tokens")).field());
        assertEquals("decoding.sampling_recommendation.temperature",
                refused(m -> ((ObjectNode) m.at("/decoding/sampling_recommendation")).put("temperature", -1)).field());
        assertEquals("batching.mmdit.max_batch_size",
                refused(m -> ((ObjectNode) m.at("/batching/mmdit")).put("max_batch_size", 0)).field());
        assertEquals("world.colors_rgb.red", refused(m -> ((ObjectNode) m.at("/world/colors_rgb")).putArray("red").add(300).add(0).add(0)).field());
        assertEquals("sampler.steps", refused(m -> ((ObjectNode) m.get("sampler")).put("steps", 0)).field());
        assertEquals("sampler.noise_shift", refused(m -> ((ObjectNode) m.get("sampler")).put("noise_shift", 0)).field());
        assertEquals("sampler.noise_shift", refused(m -> ((ObjectNode) m.get("sampler")).put("noise_shift", "low")).field());
        assertEquals("world.sizes_half_extent_fraction_of_side.small",
                refused(m -> ((ObjectNode) m.at("/world/sizes_half_extent_fraction_of_side")).put("small", 0.7)).field());
    }

    @Test
    void refusesAMissingManifest() {
        BundleException e = assertThrows(BundleException.class, () -> ManifestReader.read(tmp));
        assertTrue(e.getMessage().contains("manifest file is missing"), e.getMessage());
    }

    private BundleException refused(Consumer<ObjectNode> edit) throws IOException {
        Path dir = copy(edit);
        BundleException e = assertThrows(BundleException.class, () -> ManifestReader.read(dir));
        assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
        return e;
    }

    private Path copy(Consumer<ObjectNode> edit) throws IOException {
        Path dst = Files.createTempDirectory(tmp, "bundle");
        ObjectNode m = (ObjectNode) JSON.readTree(COMMITTED.resolve(ManifestReader.FILE_NAME).toFile());
        edit.accept(m);
        JSON.writeValue(dst.resolve(ManifestReader.FILE_NAME).toFile(), m);
        return dst;
    }
}
