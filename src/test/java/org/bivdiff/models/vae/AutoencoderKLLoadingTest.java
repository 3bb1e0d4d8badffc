package org.bivdiff.models.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.ConfigException;
import org.bivdiff.io.SafeTensorsWriter;
import org.bivdiff.models.WeightsException;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Strict loading of the VAE: missing and extra keys, bad configs, bad input shapes, fp16 weights. */
class AutoencoderKLLoadingTest {

    private static final Path VAE = Fixtures.root().resolve("models/tiny-sd15/vae");
    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(1));

    /** Copies the fixture VAE into {@code dir}, letting {@code edit} change its tensors first. */
    private static Path copyVae(Path dir, Consumer<Map<String, Tensor>> edit) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Checkpoint c = Checkpoint.open(VAE)) {
            for (String n : c.names()) {
                tensors.put(n, c.readTensor(n));
            }
        }
        edit.accept(tensors);
        Files.copy(VAE.resolve("config.json"), dir.resolve("config.json"));
        SafeTensorsWriter.write(dir.resolve("diffusion_pytorch_model.safetensors"), tensors, Map.of());
        return dir;
    }

    @Test
    void missingKeyIsNamedWithItsFolder(@TempDir Path dir) throws IOException {
        Path folder = copyVae(dir, t -> t.remove("decoder.up_blocks.1.resnets.2.conv1.weight"));
        var e = assertThrows(WeightsException.class, () -> AutoencoderKL.load(folder, ENGINE));
        assertTrue(e.getMessage().contains("missing weight 'decoder.up_blocks.1.resnets.2.conv1.weight'"), e.getMessage());
        assertTrue(e.getMessage().contains(folder.toString()), e.getMessage());
    }

    @Test
    void extraKeyIsRefused(@TempDir Path dir) throws IOException {
        Path folder = copyVae(dir, t -> t.put("encoder.down_blocks.0.resnets.7.conv1.weight", Tensor.zeros(2, 2)));
        var e = assertThrows(WeightsException.class, () -> AutoencoderKL.load(folder, ENGINE));
        assertTrue(e.getMessage().contains("encoder.down_blocks.0.resnets.7.conv1.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("not used"), e.getMessage());
    }

    @Test
    void wrongShapeIsNamed(@TempDir Path dir) throws IOException {
        Path folder = copyVae(dir, t -> t.put("quant_conv.bias", Tensor.zeros(3)));
        var e = assertThrows(WeightsException.class, () -> AutoencoderKL.load(folder, ENGINE));
        assertTrue(e.getMessage().contains("'quant_conv.bias'") && e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void unknownConfigOptionFails(@TempDir Path dir) throws IOException {
        Path folder = copyVae(dir, t -> { });
        String config = Files.readString(folder.resolve("config.json"));
        Files.writeString(folder.resolve("config.json"), config.replaceFirst("\\{", "{\"use_magic\": true,"));
        var e = assertThrows(ConfigException.class, () -> AutoencoderKL.load(folder, ENGINE));
        assertTrue(e.getMessage().contains("use_magic") && e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void unsupportedBlockTypeFails(@TempDir Path dir) throws IOException {
        Path folder = copyVae(dir, t -> { });
        String config = Files.readString(folder.resolve("config.json"));
        Files.writeString(folder.resolve("config.json"), config.replaceFirst("DownEncoderBlock2D", "AttnDownEncoderBlock2D"));
        var e = assertThrows(ConfigException.class, () -> AutoencoderKL.load(folder, ENGINE));
        assertTrue(e.getMessage().contains("AttnDownEncoderBlock2D"), e.getMessage());
    }

    @Test
    void wrongInputShapesFailBeforeRunning() throws IOException {
        try (AutoencoderKL vae = AutoencoderKL.load(VAE, ENGINE)) {
            int f = vae.config().scaleFactor();
            var channels = assertThrows(IllegalArgumentException.class, () -> vae.encode(Tensor.zeros(1, 4, 8 * f, 8 * f)));
            assertTrue(channels.getMessage().contains("[1, 4, " + 8 * f), channels.getMessage());
            if (f > 1) {
                var odd = assertThrows(IllegalArgumentException.class, () -> vae.encode(Tensor.zeros(1, 3, 8 * f + 1, 8 * f)));
                assertTrue(odd.getMessage().contains("multiples of " + f), odd.getMessage());
            }
            var latent = assertThrows(IllegalArgumentException.class, () -> vae.decode(Tensor.zeros(1, 3, 8, 8)));
            assertTrue(latent.getMessage().contains("latents"), latent.getMessage());
        }
    }

    @Test
    void slicedBatchEqualsWholeBatch() throws IOException {
        int f;
        Tensor image;
        Tensor whole;
        try (AutoencoderKL vae = AutoencoderKL.load(VAE, ENGINE)) {
            f = vae.config().scaleFactor();
            float[] d = new float[3 * 3 * 8 * f * 8 * f];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) Math.sin(i * 0.37);
            }
            image = Tensor.of(d, 3, 3, 8 * f, 8 * f);
            whole = vae.encode(image).mean();
        }
        try (AutoencoderKL sliced = AutoencoderKL.load(VAE, ENGINE, 2)) {
            Tensor parts = sliced.encode(image).mean();
            assertEquals(3, parts.dim(0));
            TensorAssert.assertClose(whole, parts, 1e-6, 1e-6, "sliced encode");
        }
    }

    @Test
    void halfPrecisionWeightsGiveNearlyTheSameImage(@TempDir Path dir) throws IOException {
        // Weights rounded to fp16 and stored as F16: loaded through a Cast, decoding stays close to fp32.
        var entries = new java.util.ArrayList<SafeTensorsWriter.Entry>();
        try (Checkpoint c = Checkpoint.open(VAE)) {
            for (String n : c.names()) {
                Tensor t = c.readTensor(n);
                long[] shape = new long[t.rank()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.shape()[i];
                }
                entries.add(SafeTensorsWriter.Entry.f16(n, shape, t.data()));
            }
        }
        Files.copy(VAE.resolve("config.json"), dir.resolve("config.json"));
        SafeTensorsWriter.write(dir.resolve("diffusion_pytorch_model.fp16.safetensors"), entries, Map.of());
        Tensor z = Tensor.full(0.3f, 1, 4, 4, 4);
        try (AutoencoderKL full = AutoencoderKL.load(VAE, ENGINE); AutoencoderKL half = AutoencoderKL.load(dir, ENGINE)) {
            TensorAssert.assertClose(full.decode(z), half.decode(z), 2e-2, 2e-2, "fp16 weights");
        }
    }
}
