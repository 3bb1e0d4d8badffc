package org.bivdiff.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.graph.Engine;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.models.unet2d.ControlNetResiduals;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The random tiny models load strictly with every loader and compute finite values. */
class TinyModelsTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(1));

    private static void assertFinite(Tensor t, String what) {
        for (float v : t.data()) {
            assertTrue(Float.isFinite(v), what + " has a non-finite value");
        }
    }

    @Test
    void writtenModelsLoadAndRun(@TempDir Path dir) throws Exception {
        Path sd = TinyModels.stableDiffusion(dir.resolve("sd"), 7);
        Path cn = TinyModels.controlNet(dir.resolve("controlnet"), 8);
        Path ad = TinyModels.t2iAdapter(dir.resolve("adapter"), 9);
        ClipTokenizer tok = ClipTokenizer.load(sd.resolve("tokenizer"));
        assertEquals(77, tok.encode("a red car").inputIds().length);
        Tensor ehs;
        try (ClipTextModel text = ClipTextModel.load(sd.resolve("text_encoder"), ENGINE)) {
            ehs = text.forward(new org.bivdiff.tensor.LongTensor(new int[] {1, 77}, tok.encode("a red car").inputIdsAsLong()))
                    .lastHiddenState();
        }
        assertArrayEquals(new int[] {1, 77, 32}, ehs.shape());
        Tensor latents = Tensor.full(0.5f, 1, 4, 16, 16);
        try (UNet2DConditionModel unet = UNet2DConditionModel.load(sd.resolve("unet"), ENGINE);
             ControlNetModel controlNet = ControlNetModel.load(cn, ENGINE);
             T2IAdapter adapter = T2IAdapter.load(ad, ENGINE);
             AutoencoderKL vae = AutoencoderKL.load(sd.resolve("vae"), ENGINE)) {
            Tensor eps = unet.forward(latents, 500, ehs);
            assertFinite(eps, "unet");
            Tensor cond = Tensor.full(0.5f, 1, 3, 32, 32);
            ControlNetResiduals res = controlNet.forward(latents, Tensor.full(500f, 1), ehs, cond, 1.0, false);
            assertFinite(unet.forwardWithControlNet(latents, Tensor.full(500f, 1), ehs, res), "controlnet");
            List<Tensor> features = adapter.forward(cond);
            assertFinite(unet.forwardWithAdapter(latents, Tensor.full(500f, 1), ehs, features), "adapter");
            Tensor image = vae.decode(latents);
            assertArrayEquals(new int[] {1, 3, 32, 32}, image.shape());
            assertFinite(image, "vae");
        }
        assertTrue(Files.exists(sd.resolve("model_index.json")));
    }
}
