package org.bivdiff.models.unet3d;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Provider;
import org.bivdiff.io.ConfigException;
import org.bivdiff.models.unet2d.FixtureFolders;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The video UNet refuses bad shapes with the expected and actual shape before any session exists
 * (this engine cannot create sessions: CUDA is not on the class path), and refuses configs it does
 * not build.
 */
class UNet3DInputValidationTest {

    private static final Engine NO_SESSIONS = new Engine(Engine.Options.defaults().withProvider(Provider.CUDA));
    private static final Path FOLDER = FixtureFolders.model("tiny-unet3d");

    private static UNet3DConditionModel unet;

    @BeforeAll
    static void load() throws IOException {
        unet = UNet3DConditionModel.load(FOLDER, NO_SESSIONS);
    }

    @AfterAll
    static void close() {
        unet.close();
    }

    private static IllegalArgumentException refused(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run);
    }

    @Test
    void wrongChannelsAreRefused() {
        var e = refused(() -> unet.forward(Tensor.zeros(1, 8, 4, 16, 16), 981, Tensor.zeros(1, 77, 32)));
        assertTrue(e.getMessage().contains("(B, 4, F, H, W)") && e.getMessage().contains("[1, 8, 4, 16, 16]"),
                e.getMessage());
    }

    @Test
    void imageInsteadOfVideoIsRefused() {
        var e = refused(() -> unet.forward(Tensor.zeros(1, 4, 16, 16), 981, Tensor.zeros(1, 77, 32)));
        assertTrue(e.getMessage().contains("[1, 4, 16, 16]"), e.getMessage());
    }

    @Test
    void emptyFramesAreRefused() {
        var e = refused(() -> unet.forward(Tensor.zeros(1, 4, 0, 16, 16), 981, Tensor.zeros(1, 77, 32)));
        assertTrue(e.getMessage().contains("[1, 4, 0, 16, 16]"), e.getMessage());
    }

    @Test
    void wrongTextWidthIsRefused() {
        var e = refused(() -> unet.forward(Tensor.zeros(1, 4, 8, 16, 16), 981, Tensor.zeros(1, 77, 64)));
        assertTrue(e.getMessage().contains("(1, L, 32)") && e.getMessage().contains("[1, 77, 64]"), e.getMessage());
    }

    @Test
    void textBatchMustMatchTheVideos() {
        var e = refused(() -> unet.forward(Tensor.zeros(2, 4, 8, 16, 16), 981, Tensor.zeros(1, 77, 32)));
        assertTrue(e.getMessage().contains("(2, L, 32)") && e.getMessage().contains("[1, 77, 32]"), e.getMessage());
    }

    @Test
    void timestepsMustBeOneOrOnePerVideo() {
        var e = refused(() -> unet.forward(Tensor.zeros(2, 4, 8, 16, 16), Tensor.zeros(3), Tensor.zeros(2, 77, 32)));
        assertTrue(e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void configGivesHeadsOfAttentionHeadDimChannels() {
        UNet3DConditionConfig cfg = unet.config();
        assertEquals(8, cfg.attentionHeadDim());
        assertEquals(4, cfg.headsAt(0));                                    // 32 channels / 8
        assertEquals(4, cfg.spatialLayout().attentionHeads()[3]);
        assertTrue(cfg.spatialLayout().useLinearProjection());
    }

    @Test
    void numAttentionHeadsIsRefusedAsDiffusersDoes(@TempDir Path dir) throws IOException {
        Path edited = FixtureFolders.editedConfig(FOLDER, dir, c -> c.put("num_attention_heads", 4));
        var e = assertThrows(ConfigException.class, () -> UNet3DConditionConfig.read(edited));
        assertTrue(e.getMessage().contains("num_attention_heads"), e.getMessage());
    }

    @Test
    void unknownKeysAreRefused(@TempDir Path dir) throws IOException {
        Path edited = FixtureFolders.editedConfig(FOLDER, dir, c -> c.put("time_cond_proj_dim", 16));
        var e = assertThrows(ConfigException.class, () -> UNet3DConditionConfig.read(edited));
        assertTrue(e.getMessage().contains("time_cond_proj_dim"), e.getMessage());
    }

    @Test
    void missingTemporalWeightFailsWithItsKey(@TempDir Path dir) throws IOException {
        String key = "mid_block.temp_convs.1.conv4.3.weight";
        Path edited = FixtureFolders.editedWeights(FOLDER, dir, key, java.util.Map.of());
        var e = assertThrows(RuntimeException.class, () -> UNet3DConditionModel.load(edited, NO_SESSIONS));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
