package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bivdiff.io.Checkpoint.Variant;
import org.bivdiff.io.SafeTensorsWriter.Entry;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    private static final String BASE = "diffusion_pytorch_model";

    @TempDir
    Path dir;

    private void writeF32(String file, String name, float... values) throws IOException {
        SafeTensorsWriter.write(dir.resolve(file), Map.of(name, Tensor.of(values, values.length)), Map.of());
    }

    private void writeIndex(String file, Map<String, String> weightMap) throws IOException {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("metadata", Map.of("total_size", 0));
        index.put("weight_map", weightMap);
        Files.writeString(dir.resolve(file), new ObjectMapper().writeValueAsString(index));
    }

    /** Two shards: shard 1 holds a and b, shard 2 holds c (an I64 tensor). */
    private void writeShards() throws IOException {
        SafeTensorsWriter.write(dir.resolve(BASE + "-00001-of-00002.safetensors"), List.of(
                Entry.f32("b", new long[] {2}, new float[] {3, 4}),
                Entry.f32("a", new long[] {1, 2}, new float[] {1, 2})), Map.of());
        SafeTensorsWriter.write(dir.resolve(BASE + "-00002-of-00002.safetensors"), List.of(
                Entry.i64("c", new long[] {3}, new long[] {7, 8, 9})), Map.of());
    }

    private static Map<String, String> shardMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("a", BASE + "-00001-of-00002.safetensors");
        m.put("b", BASE + "-00001-of-00002.safetensors");
        m.put("c", BASE + "-00002-of-00002.safetensors");
        return m;
    }

    private CheckpointException rejects(String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Checkpoint.open(dir, BASE, Variant.DEFAULT).close());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void singleFile() throws IOException {
        writeF32("model.safetensors", "w", 1, 2);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(dir, c.folder());
            assertEquals(List.of("w"), List.copyOf(c.names()));
            assertArrayEquals(new float[] {1, 2}, c.readFloats("w"));
            CheckpointException e = assertThrows(CheckpointException.class, () -> c.readTensor("x"));
            assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("model.safetensors"),
                    e.getMessage());
        }
    }

    @Test
    void shardedIndex() throws IOException {
        writeShards();
        writeIndex(BASE + ".safetensors.index.json", shardMap());
        try (Checkpoint c = Checkpoint.open(dir, BASE, Variant.DEFAULT)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(c.names()));
            assertEquals(2, c.files().size());
            assertEquals(c.files().get(0).path(), ((TensorLocation.InFile) c.locate("a")).file());
            assertEquals(c.files().get(1).path(), ((TensorLocation.InFile) c.locate("c")).file());
            assertEquals(Tensor.of(new float[] {1, 2}, 1, 2), c.readTensor("a"));
            assertArrayEquals(new float[] {3, 4}, c.readFloats("b"));
            assertArrayEquals(new long[] {7, 8, 9}, c.readLongs("c"));
            assertEquals(DType.I64, c.info("c").orElseThrow().dtype());
            assertTrue(c.info("d").isEmpty());
        }
    }

    @Test
    void variantSelection() throws IOException {
        writeF32(BASE + ".fp16.safetensors", "w", 16);
        try (Checkpoint c = Checkpoint.open(dir, BASE, Variant.DEFAULT)) {
            assertArrayEquals(new float[] {16}, c.readFloats("w"), "fp16 file used when the plain one is missing");
        }
        writeF32(BASE + ".safetensors", "w", 32);
        try (Checkpoint c = Checkpoint.open(dir, BASE, Variant.DEFAULT)) {
            assertArrayEquals(new float[] {32}, c.readFloats("w"));
        }
        try (Checkpoint c = Checkpoint.open(dir, BASE, Variant.FP16)) {
            assertArrayEquals(new float[] {16}, c.readFloats("w"));
            assertTrue(c.files().getFirst().path().endsWith(BASE + ".fp16.safetensors"));
        }
    }

    @Test
    void fp16VariantFallsBackToPlainAndFindsShardedFp16() throws IOException {
        writeF32(BASE + ".safetensors", "w", 32);
        try (Checkpoint c = Checkpoint.open(dir, BASE, Variant.FP16)) {
            assertArrayEquals(new float[] {32}, c.readFloats("w"));
        }
        writeShards();
        writeIndex(BASE + ".safetensors.index.fp16.json", shardMap());
        try (Checkpoint c = Checkpoint.open(dir, BASE, Variant.FP16)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(c.names()));
        }
    }

    @Test
    void missingShard() throws IOException {
        writeShards();
        Map<String, String> m = shardMap();
        m.put("d", BASE + "-00003-of-00003.safetensors");
        writeIndex(BASE + ".safetensors.index.json", m);
        rejects(BASE + ".safetensors.index.json", "shard '" + BASE + "-00003-of-00003.safetensors' is missing");
    }

    @Test
    void escapingShardPath() throws IOException {
        writeShards();
        Map<String, String> m = shardMap();
        m.put("c", "../" + BASE + "-00002-of-00002.safetensors");
        writeIndex(BASE + ".safetensors.index.json", m);
        rejects("not a plain file name");
        m.put("c", "..");
        writeIndex(BASE + ".safetensors.index.json", m);
        rejects("shard '..' is not a plain file name");
    }

    @Test
    void indexAndShardsMustAgree() throws IOException {
        writeShards();
        Map<String, String> m = shardMap();
        m.put("c", BASE + "-00001-of-00002.safetensors");
        m.put("z", BASE + "-00002-of-00002.safetensors");
        writeIndex(BASE + ".safetensors.index.json", m);
        rejects("tensor 'c': mapped to shard '" + BASE + "-00001-of-00002.safetensors', which does not hold it");

        m = shardMap();
        m.remove("b");
        writeIndex(BASE + ".safetensors.index.json", m);
        rejects("tensor 'b': held by shard", "not listed in the weight_map");

        Files.writeString(dir.resolve(BASE + ".safetensors.index.json"), "{\"weight_map\": [1]}");
        rejects("no 'weight_map' object");
        Files.writeString(dir.resolve(BASE + ".safetensors.index.json"), "{\"weight_map\": {\"a\": 1}}");
        rejects("tensor 'a'", "not a shard file name");
        Files.writeString(dir.resolve(BASE + ".safetensors.index.json"), "{\"weight_map\": {");
        rejects("not valid JSON");
    }

    @Test
    void nothingFound() throws IOException {
        writeF32("other.safetensors", "w", 1);
        CheckpointException e = rejects(dir.toString(), "no weights found",
                BASE + ".safetensors", BASE + ".fp16.safetensors", BASE + ".safetensors.index.json");
        assertTrue(!e.getMessage().contains("does not exist"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains(BASE + ".safetensors") && e.getMessage().contains("model.safetensors"),
                e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir.resolve("absent")));
        assertTrue(e.getMessage().contains("the folder does not exist"), e.getMessage());
    }

    @Test
    void badFileInCheckpointNamesIt() throws IOException {
        Files.write(dir.resolve(BASE + ".safetensors"), new byte[] {1, 2, 3});
        rejects(dir.resolve(BASE + ".safetensors").toString(), "3 bytes");
    }

    private void writeTorch(String file, String name, float... values) throws IOException {
        TorchWriter.write(dir.resolve(file), List.of(Entry.f32(name, new long[] {values.length}, values)));
    }

    @Test
    void pickleFoldersAreFoundAfterSafetensors() throws IOException {
        writeTorch(BASE + ".fp16.bin", "w", 16);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertArrayEquals(new float[] {16}, c.readFloats("w"), "fp16 pickle when nothing else exists");
        }
        writeTorch(BASE + ".bin", "w", 32);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertArrayEquals(new float[] {32}, c.readFloats("w"));
            assertInstanceOf(TorchFile.class, c.files().getFirst());
        }
        try (Checkpoint c = Checkpoint.open(dir, Variant.FP16)) {
            assertArrayEquals(new float[] {16}, c.readFloats("w"));
        }
        writeF32(BASE + ".fp16.safetensors", "w", 17);
        try (Checkpoint c = Checkpoint.open(dir, Variant.FP16)) {
            assertArrayEquals(new float[] {17}, c.readFloats("w"), "safetensors win within a variant");
        }
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertArrayEquals(new float[] {32}, c.readFloats("w"), "the variant comes before the format");
        }
        writeF32(BASE + ".safetensors", "w", 33);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertArrayEquals(new float[] {33}, c.readFloats("w"));
        }
    }

    @Test
    void transformersPickleIsPytorchModelBin() throws IOException {
        writeTorch("pytorch_model.bin", "text_model.w", 5);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals(List.of("text_model.w"), List.copyOf(c.names()));
            assertEquals(dir.toString(), c.source());
        }
        try (Checkpoint c = Checkpoint.open(dir, "model", Variant.DEFAULT)) {
            assertArrayEquals(new float[] {5}, c.readFloats("text_model.w"));
        }
    }

    @Test
    void shardedPickles() throws IOException {
        TorchWriter.write(dir.resolve("pytorch_model-00001-of-00002.bin"), List.of(
                Entry.f32("a", new long[] {1, 2}, new float[] {1, 2}), Entry.f32("b", new long[] {2}, new float[] {3, 4})));
        SafeTensorsWriter.write(dir.resolve("pytorch_model-00002-of-00002.safetensors"), List.of(
                Entry.i64("c", new long[] {3}, new long[] {7, 8, 9})), Map.of());
        writeIndex("pytorch_model.bin.index.json", Map.of("a", "pytorch_model-00001-of-00002.bin",
                "b", "pytorch_model-00001-of-00002.bin", "c", "pytorch_model-00002-of-00002.safetensors"));
        try (Checkpoint c = Checkpoint.open(dir, "model", Variant.DEFAULT)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(c.names()));
            assertEquals(Tensor.of(new float[] {1, 2}, 1, 2), c.readTensor("a"));
            assertArrayEquals(new long[] {7, 8, 9}, c.readLongs("c"));
        }
        writeIndex("pytorch_model.bin.index.json", Map.of("a", "pytorch_model-00001-of-00002.bin",
                "c", "pytorch_model-00002-of-00002.safetensors"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir, "model", Variant.DEFAULT));
        assertTrue(e.getMessage().contains("tensor 'b': held by shard"), e.getMessage());
    }

    @Test
    void openFileAndPrefixViews() throws IOException {
        Path ckpt = dir.resolve("ModelT2V.pth");
        new TorchWriter().tensors(List.of(Entry.f32("unet.conv_in.weight", new long[] {2}, new float[] {1, 2}),
                Entry.f32("unet.mid.attn.to_q.weight", new long[] {1}, new float[] {3}),
                Entry.f32("text_encoder.text_model.w", new long[] {1}, new float[] {4}),
                Entry.f32("unetx.other", new long[] {1}, new float[] {5})))
                .nestedUnder("state_dict", Map.of("epoch", 1L)).write(ckpt);
        try (Checkpoint c = Checkpoint.openFile(ckpt)) {
            assertEquals(dir, c.folder());
            assertEquals(ckpt.toString(), c.source());
            Checkpoint unet = c.withPrefix("unet");
            assertEquals(List.of("conv_in.weight", "mid.attn.to_q.weight"), List.copyOf(unet.names()));
            assertEquals("conv_in.weight", unet.info("conv_in.weight").orElseThrow().name());
            assertArrayEquals(new float[] {1, 2}, unet.readFloats("conv_in.weight"));
            assertEquals(c.locate("unet.conv_in.weight"), unet.locate("conv_in.weight"));
            assertEquals(List.of("attn.to_q.weight"), List.copyOf(unet.withPrefix("mid").names()));
            assertEquals(List.of("to_q.weight"), List.copyOf(c.withPrefix("unet.mid.attn.").names()));
            assertArrayEquals(new float[] {4}, c.withPrefix("text_encoder").readFloats("text_model.w"));
            Checkpoint none = c.withPrefix("vae");
            assertTrue(none.names().isEmpty());
            CheckpointException e = assertThrows(CheckpointException.class, () -> none.readFloats("w"));
            assertTrue(e.getMessage().contains(ckpt + " (keys under 'vae.'): tensor 'w': not in the checkpoint"),
                    e.getMessage());
            assertTrue(unet.source().endsWith("(keys under 'unet.')"), unet.source());
        }
        writeF32("single.safetensors", "w", 9);
        try (Checkpoint c = Checkpoint.openFile(dir.resolve("single.safetensors"))) {
            assertArrayEquals(new float[] {9}, c.readFloats("w"));
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.openFile(dir.resolve("absent.ckpt")));
        assertTrue(e.getMessage().contains("absent.ckpt: no such weights file"), e.getMessage());
    }

    @Test
    void closingAViewClosesTheSharedFiles() throws IOException {
        writeTorch("x.pt", "a.w", 1);
        Checkpoint c = Checkpoint.openFile(dir.resolve("x.pt"));
        Checkpoint view = c.withPrefix("a");
        view.close();
        assertThrows(IllegalStateException.class, () -> c.readFloats("a.w"));
        c.close();
    }
}
