package org.bivdiff.models.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.TorchFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random weights stored as safetensors or as PyTorch pickles hold the same values under the expected names. */
class WeightsFormatTest {

    @Test
    void fileNames() {
        assertEquals("diffusion_pytorch_model.safetensors", WeightsFormat.F32.fileName("diffusion_pytorch_model.safetensors"));
        assertEquals("diffusion_pytorch_model.fp16.safetensors", WeightsFormat.F16.fileName("diffusion_pytorch_model.safetensors"));
        assertEquals("diffusion_pytorch_model.bin", WeightsFormat.BIN.fileName("diffusion_pytorch_model.safetensors"));
        assertEquals("pytorch_model.bin", WeightsFormat.BIN.fileName("model.safetensors"));
        assertEquals("", WeightsFormat.F32.folderSuffix());
        assertEquals("-bin", WeightsFormat.BIN.folderSuffix());
        assertEquals(WeightsFormat.BIN, WeightsFormat.parse("bin"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightsFormat.parse("BIN"));
        assertTrue(e.getMessage().contains("f32, f16 or bin"), e.getMessage());
    }

    @Test
    void pickleAndSafetensorsHoldTheSameValues(@TempDir Path dir) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("conv.weight", new long[] {4, 3, 3, 3});
        shapes.put("norm.weight", new long[] {4});
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        RandomWeights.write(dir.resolve("a/diffusion_pytorch_model.bin"), shapes, 5, WeightsFormat.BIN.dtype());
        RandomWeights.write(dir.resolve("b/diffusion_pytorch_model.safetensors"), shapes, 5, WeightsFormat.F32.dtype());
        try (Checkpoint a = Checkpoint.open(dir.resolve("a")); Checkpoint b = Checkpoint.open(dir.resolve("b"))) {
            assertInstanceOf(TorchFile.class, a.files().getFirst());
            for (String n : shapes.keySet()) {
                assertArrayEquals(b.readFloats(n), a.readFloats(n), n);
            }
        }
    }
}
