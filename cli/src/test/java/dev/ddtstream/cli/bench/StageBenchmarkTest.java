package dev.ddtstream.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ddtstream.bundle.BundleLocator;
import dev.ddtstream.gpu.bundle.ModelBundle;
import dev.ddtstream.gpu.runtime.RuntimeConfig;
import dev.ddtstream.gpu.runtime.SessionFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageBenchmarkTest {

    @Test
    void measuresEveryStageAndTheCacheDecodesLikeRecomputation(@TempDir Path dir) throws Exception {
        ModelBundle bundle = ModelBundle.load(BundleLocator.committed().orElseThrow(),
                new SessionFactory(RuntimeConfig.singleThreadedCpu()));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        StageBenchmark.Report r = new StageBenchmark(bundle, Duration.ZERO, new PrintStream(progress)).run(List.of(1, 2));

        assertEquals(6, r.points().size(), "three stages at two batch sizes");
        for (StageBenchmark.Point p : r.points()) {
            assertTrue(p.calls() >= 3 && p.meanMs() > 0 && p.itemsPerSecond() > 0, p.toString());
            assertTrue(p.outsideOrtShare() >= 0 && p.outsideOrtShare() < 1, "share outside ORT in [0, 1): " + p);
        }
        for (StageBenchmark.KvCacheComparison k : r.kvCache()) {
            assertTrue(k.sameTokens(), "the KV cache changes no token: " + k);
        }
        String table = StageBenchmark.table(r);
        assertTrue(table.contains("llama") && table.contains("KV cache"), table);

        Path json = dir.resolve("stages.json");
        StageBenchmark.writeJson(r, json);
        JsonNode read = new ObjectMapper().readTree(json.toFile());
        assertEquals(6, read.get("points").size());
        assertEquals(2, read.get("kvCache").size());
    }

    @Test
    void aBundleWithoutGoldenFilesIsMeasuredOnMadeUpInputs(@TempDir Path dir) throws Exception {
        // the committed bundle's graphs, linked, under a manifest that names no golden file (as a random-weight bundle's)
        Path committed = BundleLocator.committed().orElseThrow();
        try (var files = Files.list(committed)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (!f.getFileName().toString().equals("manifest.json")) {
                    Files.createSymbolicLink(dir.resolve(f.getFileName()), f.toAbsolutePath());
                }
            }
        }
        ObjectNode manifest = (ObjectNode) new ObjectMapper().readTree(committed.resolve("manifest.json").toFile());
        ((ObjectNode) manifest.get("golden")).putObject("files");
        new ObjectMapper().writeValue(dir.resolve("manifest.json").toFile(), manifest);
        try (ModelBundle bundle = ModelBundle.load(dir, new SessionFactory(RuntimeConfig.singleThreadedCpu()))) {
            StageBenchmark.Report r = new StageBenchmark(bundle, Duration.ZERO, new PrintStream(new ByteArrayOutputStream())).run(List.of(1));
            assertEquals(3, r.points().size());
            assertTrue(r.kvCache().get(0).sameTokens());
        }
    }
}
