package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {

    @Test
    void stageFilesHaveTheSameBytesWhateverTheMapOrder(@TempDir Path dir) throws Exception {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3);
        Tensor b = Tensor.of(new float[] {4, 5}, 2);
        Map<String, Tensor> ab = new LinkedHashMap<>();
        ab.put("posterior_mean", a);
        ab.put("encoded_latents", b);
        Map<String, Tensor> ba = new LinkedHashMap<>();
        ba.put("encoded_latents", b);
        ba.put("posterior_mean", a);

        RunFolder first = new RunFolder(dir.resolve("first"));
        RunFolder second = new RunFolder(dir.resolve("second"));
        first.save("frame_latents", "fp", ab);
        second.save("frame_latents", "fp", ba);

        assertArrayEquals(Files.readAllBytes(dir.resolve("first/stages/frame_latents.safetensors")),
                Files.readAllBytes(dir.resolve("second/stages/frame_latents.safetensors")));
        Map<String, Tensor> loaded = first.load("frame_latents", "fp").orElseThrow();
        assertEquals(List.of("encoded_latents", "posterior_mean"), List.copyOf(loaded.keySet()));
        assertArrayEquals(a.data(), loaded.get("posterior_mean").data());
    }
}
