package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.io.SafeTensorsConverter.Action;
import org.bivdiff.io.SafeTensorsConverter.Step;
import org.bivdiff.io.SafeTensorsWriter.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Safetensors copies of pickle folders: the same tensors, diffusers / transformers names, configs copied. */
class SafeTensorsConverterTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A pipeline folder of pickles: a UNet .bin with a view, a sharded text encoder, configs. */
    private Path pickleFolder() throws IOException {
        Path root = dir.resolve("sd");
        Files.createDirectories(root.resolve("unet"));
        Files.createDirectories(root.resolve("text_encoder"));
        Files.writeString(root.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\"}");
        Files.writeString(root.resolve("unet/config.json"), "{\"sample_size\": 8}");
        new TorchWriter().tensors(List.of(Entry.f32("conv_in.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
                Entry.f16("conv_in.bias", new long[] {2}, new float[] {0.5f, -1})))
                .view(new TorchWriter.View("proj.weight", "conv_in.weight", 0, new long[] {3, 2}, new long[] {1, 3}))
                .write(root.resolve("unet/diffusion_pytorch_model.bin"));
        TorchWriter.write(root.resolve("text_encoder/pytorch_model-00001-of-00002.bin"),
                List.of(Entry.f32("a", new long[] {1}, new float[] {7})));
        TorchWriter.write(root.resolve("text_encoder/pytorch_model-00002-of-00002.bin"),
                List.of(Entry.i64("b", new long[] {2}, new long[] {1L << 40, -3})));
        Files.writeString(root.resolve("text_encoder/pytorch_model.bin.index.json"), """
                {"metadata": {"total_size": 20}, "weight_map": {"a": "pytorch_model-00001-of-00002.bin",
                 "b": "pytorch_model-00002-of-00002.bin"}}""");
        return root;
    }

    @Test
    void folderIntoAnotherFolder() throws IOException {
        Path src = pickleFolder();
        Path out = dir.resolve("out");
        List<Path> progress = new ArrayList<>();
        List<Step> steps = SafeTensorsConverter.convert(src, out, (file, done, total) -> progress.add(file));
        assertEquals(3, steps.stream().filter(s -> s.action() == Action.CONVERTED).count());
        assertEquals(1, steps.stream().filter(s -> s.action() == Action.INDEX_REWRITTEN).count());
        assertEquals(2, steps.stream().filter(s -> s.action() == Action.COPIED).count());
        assertEquals(5, progress.size(), "one event per tensor");
        assertEquals("{\"sample_size\": 8}", Files.readString(out.resolve("unet/config.json")));
        assertTrue(Files.exists(out.resolve("model_index.json")));
        assertFalse(Files.exists(out.resolve("unet/diffusion_pytorch_model.bin")));
        try (Checkpoint before = Checkpoint.open(src.resolve("unet"));
             Checkpoint after = Checkpoint.open(out.resolve("unet"))) {
            assertInstanceOf(SafeTensorsFile.class, after.files().getFirst());
            assertEquals(before.names(), after.names());
            for (String n : before.names()) {
                assertEquals(before.info(n).orElseThrow().dtype(), after.info(n).orElseThrow().dtype());
                assertArrayEquals(before.segment(n).toArray(ValueLayout.JAVA_BYTE), after.segment(n).toArray(ValueLayout.JAVA_BYTE), n);
            }
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, after.readFloats("proj.weight"));
            assertEquals("pt", ((SafeTensorsFile) after.files().getFirst()).metadata().get("format"));
        }
        JsonNode index = JSON.readTree(out.resolve("text_encoder/model.safetensors.index.json").toFile());
        assertEquals("model-00002-of-00002.safetensors", index.path("weight_map").path("b").asText());
        assertEquals(20, index.path("metadata").path("total_size").asInt());
        try (Checkpoint c = Checkpoint.open(out.resolve("text_encoder"))) {
            assertEquals(2, c.files().size());
            assertArrayEquals(new long[] {1L << 40, -3}, c.readLongs("b"));
        }
    }

    @Test
    void inPlaceWritesOnlyTheConvertedFilesAndKeepsExistingOnes() throws IOException {
        Path src = pickleFolder();
        List<Step> steps = SafeTensorsConverter.convert(src, src, (f, d, t) -> { });
        assertTrue(steps.stream().noneMatch(s -> s.action() == Action.COPIED));
        assertTrue(Files.exists(src.resolve("unet/diffusion_pytorch_model.safetensors")));
        assertTrue(Files.exists(src.resolve("unet/diffusion_pytorch_model.bin")));
        try (Checkpoint c = Checkpoint.open(src.resolve("unet"))) {
            assertInstanceOf(SafeTensorsFile.class, c.files().getFirst(), "safetensors now preferred");
        }
        List<Step> again = SafeTensorsConverter.convert(src, src, (f, d, t) -> { });
        assertTrue(again.stream().allMatch(s -> s.action() == Action.KEPT), again.toString());
    }

    @Test
    void singleFilesAndTheFixtureCheckpoints() throws IOException {
        Path ckpt = dir.resolve("lightning_checkpoint.ckpt");
        Files.copy(Fixtures.root().resolve("models/torch-pickles/lightning_checkpoint.ckpt"), ckpt);
        List<Step> steps = SafeTensorsConverter.convert(ckpt, dir, (f, d, t) -> { });
        assertEquals(dir.resolve("lightning_checkpoint.safetensors"), steps.getFirst().target());
        try (Checkpoint a = Checkpoint.openFile(ckpt);
             Checkpoint b = Checkpoint.openFile(dir.resolve("lightning_checkpoint.safetensors"))) {
            assertEquals(a.names(), b.names());
            for (String n : a.names()) {
                assertArrayEquals(a.segment(n).toArray(ValueLayout.JAVA_BYTE), b.segment(n).toArray(ValueLayout.JAVA_BYTE), n);
            }
        }
    }

    @Test
    void namesFollowDiffusersAndTransformers() {
        assertEquals("diffusion_pytorch_model.safetensors", SafeTensorsConverter.targetName("diffusion_pytorch_model.bin"));
        assertEquals("diffusion_pytorch_model.fp16.safetensors",
                SafeTensorsConverter.targetName("diffusion_pytorch_model.fp16.bin"));
        assertEquals("model.safetensors", SafeTensorsConverter.targetName("pytorch_model.bin"));
        assertEquals("model-00001-of-00002.safetensors", SafeTensorsConverter.targetName("pytorch_model-00001-of-00002.bin"));
        assertEquals("model.safetensors.index.json", SafeTensorsConverter.targetName("pytorch_model.bin.index.json"));
        assertEquals("diffusion_pytorch_model.safetensors.index.fp16.json",
                SafeTensorsConverter.targetName("diffusion_pytorch_model.bin.index.fp16.json"));
        assertEquals("dpt_hybrid-midas-501f0c75.safetensors", SafeTensorsConverter.targetName("dpt_hybrid-midas-501f0c75.pt"));
        assertEquals("ModelT2V.safetensors", SafeTensorsConverter.targetName("ModelT2V.pth"));
        assertEquals("config.json", SafeTensorsConverter.targetName("config.json"));
    }

    @Test
    void refusals() throws IOException {
        Path src = pickleFolder();
        Files.copy(Fixtures.root().resolve("models/torch-pickles/hostile_os_system.pt"), src.resolve("unet/evil.pt"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> SafeTensorsConverter.convert(src, dir.resolve("out"), (f, d, t) -> { }));
        assertTrue(e.getMessage().contains("evil.pt") && e.getMessage().contains("os.system"), e.getMessage());
        Files.delete(src.resolve("unet/evil.pt"));
        e = assertThrows(CheckpointException.class, () -> SafeTensorsConverter.convert(src, src.resolve("unet/x"), (f, d, t) -> { }));
        assertTrue(e.getMessage().contains("inside"), e.getMessage());
        Files.createDirectories(dir.resolve("full"));
        Files.writeString(dir.resolve("full/a"), "x");
        e = assertThrows(CheckpointException.class, () -> SafeTensorsConverter.convert(src, dir.resolve("full"), (f, d, t) -> { }));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> SafeTensorsConverter.convert(dir.resolve("nope"), dir.resolve("o"),
                (f, d, t) -> { }));
        assertTrue(e.getMessage().contains("no such file or folder"), e.getMessage());
        Files.writeString(src.resolve("text_encoder/pytorch_model.bin.index.json"), "{\"weight_map\": [1]}");
        e = assertThrows(CheckpointException.class, () -> SafeTensorsConverter.convert(src, dir.resolve("o2"), (f, d, t) -> { }));
        assertTrue(e.getMessage().contains("no 'weight_map' object"), e.getMessage());
    }
}
