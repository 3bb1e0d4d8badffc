package org.bivdiff.models.controlnet;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Provider;
import org.bivdiff.io.ConfigException;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.adapter.T2IAdapterConfig;
import org.bivdiff.models.unet2d.FixtureFolders;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conditioning-image shapes and unsupported ControlNet / adapter options are refused before any session. */
class ControlNetAndAdapterInputTest {

    private static final Engine NO_SESSIONS = new Engine(Engine.Options.defaults().withProvider(Provider.CUDA));

    @TempDir
    Path dir;

    @Test
    void controlnetCondMustBeTheLatentSizeTimesTheEmbeddingFactor() throws IOException {
        try (ControlNetModel cn = ControlNetModel.load(FixtureFolders.model("tiny-controlnet"), NO_SESSIONS)) {
            var e = assertThrows(IllegalArgumentException.class, () -> cn.forward(Tensor.zeros(2, 4, 16, 16),
                    Tensor.full(981f, 1), Tensor.zeros(2, 77, 32), Tensor.zeros(2, 3, 16, 16), 1.0, false));
            assertTrue(e.getMessage().contains("[2, 3, 32, 32]") && e.getMessage().contains("[2, 3, 16, 16]"),
                    e.getMessage());
        }
    }

    @Test
    void globalPoolConditionsIsRefused() throws IOException {
        Path edited = FixtureFolders.editedConfig(FixtureFolders.model("tiny-controlnet"), dir,
                c -> c.put("global_pool_conditions", true));
        var e = assertThrows(ConfigException.class, () -> ControlNetConfig.read(edited));
        assertTrue(e.getMessage().contains("global_pool_conditions"), e.getMessage());
    }

    @Test
    void adapterImageMustBeAMultipleOfTheDownscaleFactor() throws IOException {
        try (T2IAdapter adapter = T2IAdapter.load(FixtureFolders.model("tiny-t2i-adapter"), NO_SESSIONS)) {
            var e = assertThrows(IllegalArgumentException.class, () -> adapter.forward(Tensor.zeros(2, 3, 31, 32)));
            assertTrue(e.getMessage().contains("downscale_factor 2") && e.getMessage().contains("[2, 3, 31, 32]"),
                    e.getMessage());
        }
    }

    @Test
    void lightAdapterIsRefused() throws IOException {
        Path edited = FixtureFolders.editedConfig(FixtureFolders.model("tiny-t2i-adapter"), dir,
                c -> c.put("adapter_type", "light_adapter"));
        var e = assertThrows(ConfigException.class, () -> T2IAdapterConfig.read(edited));
        assertTrue(e.getMessage().contains("light_adapter"), e.getMessage());
    }
}
