package org.bivdiff.models.dpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.ConfigException;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.io.TensorLocation;
import org.bivdiff.models.WeightsException;
import org.bivdiff.models.unet2d.FixtureFolders;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DPT-Hybrid loading: the original MiDaS {@code .pt} through the key mapping gives the transformers folder's depth,
 * with the fused attention as views into the file; bad configs, checkpoints and inputs fail naming what is wrong.
 */
class DptForDepthEstimationTest {

    private static final Path FOLDER = Fixtures.root().resolve("models/tiny-dpt-hybrid");
    private static final Path ORIGINAL = FOLDER.resolve("dpt_hybrid-midas-tiny.pt");
    private static final Engine ENGINE = Engine.cpu();

    private static Tensor input(int n, int h, int w) {
        float[] x = new float[n * 3 * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.37) * 0.9f;
        }
        return Tensor.of(x, n, 3, h, w);
    }

    @Test
    void originalCheckpointGivesTheFoldersDepth() throws Exception {
        DptConfig config = DptConfig.read(FOLDER);
        assertEquals(1e-6, config.layerNormEps(), "the tiny folder was saved with timm's epsilon");
        Tensor x = input(1, 64, 96);
        try (DptForDepthEstimation folder = DptForDepthEstimation.load(FOLDER, ENGINE);
             DptForDepthEstimation original = DptForDepthEstimation.loadOriginal(ORIGINAL, config, ENGINE)) {
            Tensor a = folder.predictDepth(x);
            Tensor b = original.predictDepth(x);
            assertArrayEquals(new int[] {1, 64, 96}, a.shape());
            assertArrayEquals(a.data(), b.data(), 0f);
            boolean positive = false;
            for (float v : a.data()) {
                assertTrue(v >= 0, "the head ends with a ReLU");
                positive |= v > 0;
            }
            assertTrue(positive);
        }
    }

    @Test
    void splitAttentionIsAViewIntoTheFile() throws Exception {
        try (Checkpoint original = Checkpoint.openFile(ORIGINAL);
             SafeTensorsFile converted = SafeTensorsFile.open(FOLDER.resolve("model.safetensors"))) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            original.names().forEach(n -> shapes.put(n, original.info(n).orElseThrow().shape()));
            Map<String, Checkpoint.View> views = new LinkedHashMap<>();
            DptKeyMapping.targets(DptKeyMapping.convert(shapes, 32, 2)).forEach((k, t) -> views.put(k,
                    new Checkpoint.View(t.source(), t.rowStart(), t.shape())));
            Checkpoint mapped = original.mapped(views);
            assertEquals(converted.names(), mapped.names());
            TensorLocation fused = original.locate("pretrained.model.blocks.1.attn.qkv.weight");
            TensorLocation key = mapped.locate("dpt.encoder.layer.1.attention.attention.key.weight");
            TensorLocation.InFile f = (TensorLocation.InFile) fused;
            TensorLocation.InFile k = (TensorLocation.InFile) key;
            assertEquals(f.file(), k.file());
            assertEquals(f.offset() + 32 * 32 * 4, k.offset());
            assertEquals(32 * 32 * 4, k.length());
            for (String name : converted.names()) {
                assertArrayEquals(converted.readFloats(name), mapped.readFloats(name), 0f, name);
            }
        }
    }

    @Test
    void originalCheckpointOfAnotherArchitectureIsRefused() {
        DptConfig threeLayers = new DptConfig(32, 3, 2, 64, 1e-6, 64, 16, true, new int[] {0, 1, 0, 1},
                new int[] {32, 64, 32, 32}, new double[] {1, 1, 1, 0.5}, 16, 128,
                new BitConfig(3, 16, new int[] {32, 64, 128}, new int[] {2, 1, 1}, 8));
        var e = assertThrows(java.io.IOException.class, () -> DptForDepthEstimation.loadOriginal(ORIGINAL, threeLayers,
                ENGINE));
        assertTrue(e.getMessage().contains("pretrained.model.blocks.2.attn.qkv"), e.getMessage());
        DptConfig wider = new DptConfig(64, 2, 2, 64, 1e-6, 64, 16, true, new int[] {0, 1, 0, 1},
                new int[] {32, 64, 32, 32}, new double[] {1, 1, 1, 0.5}, 16, 128,
                new BitConfig(3, 16, new int[] {32, 64, 128}, new int[] {2, 1, 1}, 8));
        var w = assertThrows(java.io.IOException.class, () -> DptForDepthEstimation.loadOriginal(ORIGINAL, wider, ENGINE));
        assertTrue(w.getMessage().contains("qkv") && w.getMessage().contains("192 rows"), w.getMessage());
    }

    @Test
    void aViewThatDoesNotFitItsSourceIsRefused() throws Exception {
        try (Checkpoint original = Checkpoint.openFile(ORIGINAL)) {
            String qkv = "pretrained.model.blocks.0.attn.qkv.weight";
            var rows = assertThrows(org.bivdiff.io.CheckpointException.class, () -> original.mapped(Map.of("q",
                    new Checkpoint.View(qkv, 80, new long[] {32, 32}))));
            assertTrue(rows.getMessage().contains("'q'") && rows.getMessage().contains(qkv), rows.getMessage());
            assertThrows(org.bivdiff.io.CheckpointException.class, () -> original.mapped(Map.of("q",
                    new Checkpoint.View(qkv, 0, new long[] {32, 16}))));
            var missing = assertThrows(org.bivdiff.io.CheckpointException.class, () -> original.mapped(Map.of("q",
                    new Checkpoint.View("no.such.key", 0, new long[] {1}))));
            assertTrue(missing.getMessage().contains("no.such.key"), missing.getMessage());
        }
    }

    @Test
    void missingWeightIsNamed() throws Exception {
        try (Checkpoint folder = Checkpoint.open(FOLDER, "model", Checkpoint.Variant.DEFAULT)) {
            Map<String, Checkpoint.View> views = new LinkedHashMap<>();
            for (String n : folder.names()) {
                if (!n.equals("neck.convs.2.weight")) {
                    views.put(n, new Checkpoint.View(n, 0, folder.info(n).orElseThrow().shape()));
                }
            }
            var e = assertThrows(WeightsException.class, () -> DptForDepthEstimation.load(folder.mapped(views),
                    DptConfig.read(FOLDER), ENGINE));
            assertTrue(e.getMessage().contains("neck.convs.2.weight"), e.getMessage());
        }
    }

    @Test
    void inputsMustBeMultiplesOfSixteen() throws Exception {
        try (DptForDepthEstimation dpt = DptForDepthEstimation.load(FOLDER, ENGINE)) {
            var e = assertThrows(IllegalArgumentException.class, () -> dpt.predictDepth(input(1, 60, 64)));
            assertTrue(e.getMessage().contains("multiples of 16") && e.getMessage().contains("60"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> dpt.predictDepth(Tensor.zeros(1, 1, 64, 64)));
        }
    }

    @Test
    void badConfigsAreRefusedNamingTheKey(@TempDir Path dir) throws Exception {
        List<Map.Entry<java.util.function.Consumer<ObjectNode>, String>> cases = List.of(
                Map.entry(c -> c.put("is_hybrid", false), "is_hybrid"),
                Map.entry(c -> c.remove("backbone_config"), "backbone_config"),
                Map.entry(c -> c.put("readout_type", "add"), "readout_type"),
                Map.entry(c -> c.put("hidden_sizes_typo", 3), "hidden_sizes_typo"),
                Map.entry(c -> ((ObjectNode) c.get("backbone_config")).put("layer_type", "preactivation"),
                        "backbone_config.layer_type"),
                Map.entry(c -> ((ObjectNode) c.get("backbone_config")).put("strange_option", 1),
                        "backbone_config.strange_option"),
                Map.entry(c -> c.putArray("neck_hidden_sizes").add(32).add(32).add(32).add(32), "neck_hidden_sizes"),
                Map.entry(c -> c.put("num_attention_heads", 3), "num_attention_heads"));
        int i = 0;
        for (var c : cases) {
            Path folder = FixtureFolders.editedConfig(FOLDER, dir.resolve("c" + i++), c.getKey());
            var e = assertThrows(ConfigException.class, () -> DptConfig.read(folder), c.getValue());
            assertTrue(e.getMessage().contains(c.getValue()) && e.getMessage().contains("config.json"), e.getMessage());
        }
        Files.writeString(dir.resolve("c0/config.json"), "{\"model_type\": \"dpt\",");
        assertThrows(ConfigException.class, () -> DptConfig.read(dir.resolve("c0")));
    }
}
