package org.bivdiff.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;
import org.junit.jupiter.api.Test;

/** A recording of what each architecture asks for equals the reference checkpoint's layout, key for key. */
class ParameterShapesTest {

    private static void assertLayout(Path folder, Map<String, long[]> recorded) throws IOException {
        try (Checkpoint c = Checkpoint.open(folder)) {
            var expected = new TreeSet<>(c.names());
            expected.remove("text_model.embeddings.position_ids");   // a buffer, not a parameter
            assertEquals(expected, new TreeSet<>(recorded.keySet()), folder.toString());
            for (var e : recorded.entrySet()) {
                assertArrayEquals(c.info(e.getKey()).orElseThrow().shape(), e.getValue(), e.getKey());
            }
        }
    }

    @Test
    void everyModelRecordsItsCheckpointLayout() throws IOException {
        Path models = Fixtures.root().resolve("models");
        assertLayout(models.resolve("tiny-sd15/vae"), AutoencoderKL.parameterShapes(models.resolve("tiny-sd15/vae")));
        assertLayout(models.resolve("tiny-sd15/unet"), UNet2DConditionModel.parameterShapes(models.resolve("tiny-sd15/unet")));
        assertLayout(models.resolve("tiny-sd15/text_encoder"),
                ClipTextModel.parameterShapes(models.resolve("tiny-sd15/text_encoder")));
        assertLayout(models.resolve("tiny-controlnet"), ControlNetModel.parameterShapes(models.resolve("tiny-controlnet")));
        assertLayout(models.resolve("tiny-t2i-adapter"), T2IAdapter.parameterShapes(models.resolve("tiny-t2i-adapter")));
        assertLayout(models.resolve("tiny-unet3d"),
                org.bivdiff.models.unet3d.UNet3DConditionModel.parameterShapes(models.resolve("tiny-unet3d")));
        assertLayout(models.resolve("tiny-inpaint-unet"),
                UNet2DConditionModel.parameterShapes(models.resolve("tiny-inpaint-unet")));
    }
}
