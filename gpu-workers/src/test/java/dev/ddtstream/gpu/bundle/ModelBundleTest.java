package dev.ddtstream.gpu.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ddtstream.bundle.BundleException;
import dev.ddtstream.bundle.BundleManifest;
import dev.ddtstream.gpu.TestBundles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void goodBundleLoadsAndDescribesItself() {
        for (Path dir : TestBundles.dirs()) {
            try (ModelBundle b = ModelBundle.load(dir, TestBundles.factory())) {
                BundleManifest m = b.manifest();
                assertTrue(m.tokensPerImage() > 0 && m.imageSize() > 0);
                assertEquals(m.llama().vocabSize(), m.vocabulary().vocabSize());
                for (String g : new String[] {BundleManifest.ENCODER, BundleManifest.DENOISER, BundleManifest.LLAMA}) {
                    assertNotNull(b.session(g));
                }
                assertEquals(1.0f, m.normalization().normalize(255) , 1e-6);
                assertEquals(-1.0f, m.normalization().normalize(0), 0);
            }
        }
    }

    @Test
    void refusesMissingGraphFile() throws IOException {
        Path copy = copy(m -> { });
        Files.delete(copy.resolve("denoiser.onnx"));
        BundleException e = refused(copy);
        assertEquals(copy.resolve("denoiser.onnx"), e.file());
        assertEquals("files.denoiser.file", e.field());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void refusesAGraphWhoseExternalDataFileIsMissing() throws IOException {
        Path copy = copy(m -> ((ObjectNode) m.get("files").get("llama")).putObject("external_data").put("file", "llama.onnx.data"));
        BundleException e = refused(copy);
        assertEquals(copy.resolve("llama.onnx.data"), e.file());
        assertEquals("files.llama.external_data.file", e.field());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void refusesManifestNamingAWrongInput() throws IOException {
        Path copy = copy(m -> ((ObjectNode) input(m, "encoder", 0)).put("name", "pixels"));
        BundleException e = refused(copy);
        assertEquals(copy.resolve("encoder.onnx"), e.file());
        assertEquals("files.encoder.inputs[0].name", e.field());
        assertTrue(e.getMessage().contains("'pixels'") && e.getMessage().contains("image"), e.getMessage());
    }

    @Test
    void refusesManifestMissingAnInputTheEnginesNeed() throws IOException {
        Path copy = copy(m -> ((ObjectNode) input(m, "llama", 1)).put("name", "attn_mask"));
        BundleException e = refused(copy);
        assertEquals("files.llama.inputs", e.field());
        assertTrue(e.getMessage().contains("attention_mask"), e.getMessage());
    }

    @Test
    void refusesWrongDtype() throws IOException {
        Path copy = copy(m -> ((ObjectNode) input(m, "denoiser", 2)).put("dtype", "float32"));
        BundleException e = refused(copy);
        assertEquals(copy.resolve("denoiser.onnx"), e.file());
        assertEquals("files.denoiser.inputs[2].dtype", e.field());
        assertTrue(e.getMessage().contains("tokens") && e.getMessage().contains("float32"), e.getMessage());
    }

    @Test
    void refusesWrongStaticDimension() throws IOException {
        Path copy = copy(m -> {
            ((ObjectNode) m.get("image")).put("size", 64);
            for (String g : new String[] {"encoder", "denoiser"}) {
                ArrayNode shape = (ArrayNode) input(m, g, 0).get("shape");
                shape.set(2, 64);
                shape.set(3, 64);
            }
            ArrayNode x0 = (ArrayNode) m.get("files").get("denoiser").get("outputs").get(0).get("shape");
            x0.set(2, 64);
            x0.set(3, 64);
        });
        BundleException e = refused(copy);
        assertEquals("files.encoder.inputs[0].shape", e.field());
        assertTrue(e.getMessage().contains("declared 64 but the graph has 32"), e.getMessage());
    }

    @Test
    void refusesChecksumMismatch() throws IOException {
        Path copy = copy(m -> ((ObjectNode) m.get("files").get("llama")).put("sha256", "00".repeat(32)));
        BundleException e = refused(copy);
        assertEquals("files.llama.sha256", e.field());
        assertEquals(copy.resolve("llama.onnx"), e.file());
    }

    @Test
    void refusesWrongFileSizeEvenWithoutChecksums() throws IOException {
        Path copy = copy(m -> ((ObjectNode) m.get("files").get("encoder")).put("bytes", 12345));
        BundleException e = assertThrows(BundleException.class, () -> ModelBundle.load(copy, TestBundles.factory(), false).close());
        assertEquals("files.encoder.bytes", e.field());
        assertTrue(e.getMessage().contains("12345"), e.getMessage());
    }

    private static JsonNode input(ObjectNode m, String graph, int i) {
        return m.get("files").get(graph).get("inputs").get(i);
    }

    private BundleException refused(Path dir) {
        return assertThrows(BundleException.class, () -> ModelBundle.load(dir, TestBundles.factory()).close());
    }

    /** A copy of the first available bundle (graphs linked, not copied) with an edited manifest. */
    private Path copy(Consumer<ObjectNode> edit) throws IOException {
        Path src = TestBundles.dirs().get(0);
        Path dst = Files.createTempDirectory(tmp, "bundle");
        ObjectNode m = (ObjectNode) JSON.readTree(src.resolve("manifest.json").toFile());
        for (String g : new String[] {"encoder", "denoiser", "llama"}) {
            String f = m.get("files").get(g).get("file").asText();
            Files.createSymbolicLink(dst.resolve(f), src.resolve(f).toAbsolutePath());
        }
        Files.copy(src.resolve(m.get("files").get("tokenizer").get("file").asText()), dst.resolve("tokenizer.json"));
        edit.accept(m);
        JSON.writeValue(dst.resolve("manifest.json").toFile(), m);
        return dst;
    }
}
