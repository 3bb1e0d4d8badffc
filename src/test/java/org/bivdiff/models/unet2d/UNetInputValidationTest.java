package org.bivdiff.models.unet2d;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Provider;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel.FrameNorm;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad shapes are refused with the expected and the actual shape, before any session exists: the
 * engine here cannot create sessions at all (CUDA is not on the class path), so reaching one would
 * fail differently.
 */
class UNetInputValidationTest {

    private static final Engine NO_SESSIONS = new Engine(Engine.Options.defaults().withProvider(Provider.CUDA));

    private static UNet2DConditionModel unet;
    private static InflatedUNet3DConditionModel inflated;

    @BeforeAll
    static void load() throws IOException {
        unet = UNet2DConditionModel.load(FixtureFolders.model("tiny-sd15/unet"), NO_SESSIONS);
        inflated = InflatedUNet3DConditionModel.load(FixtureFolders.model("tiny-sd15/unet"), NO_SESSIONS);
    }

    @AfterAll
    static void close() {
        unet.close();
        inflated.close();
    }

    private static IllegalArgumentException refused(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run);
    }

    @Test
    void wrongChannelsAreRefused() {
        var e = refused(() -> unet.forward(Tensor.zeros(2, 8, 16, 16), 981, Tensor.zeros(2, 77, 32)));
        assertTrue(e.getMessage().contains("(N, 4, H, W)") && e.getMessage().contains("[2, 8, 16, 16]"), e.getMessage());
    }

    @Test
    void wrongTextWidthIsRefused() {
        var e = refused(() -> unet.forward(Tensor.zeros(2, 4, 16, 16), 981, Tensor.zeros(2, 77, 64)));
        assertTrue(e.getMessage().contains("(2, L, 32)") && e.getMessage().contains("[2, 77, 64]"), e.getMessage());
    }

    @Test
    void textBatchMustMatchTheSample() {
        var e = refused(() -> unet.forward(Tensor.zeros(2, 4, 16, 16), 981, Tensor.zeros(1, 77, 32)));
        assertTrue(e.getMessage().contains("[1, 77, 32]"), e.getMessage());
    }

    @Test
    void oneTimestepOrOnePerBatchElement() {
        var e = refused(() -> unet.forward(Tensor.zeros(2, 4, 16, 16), Tensor.zeros(3), Tensor.zeros(2, 77, 32)));
        assertTrue(e.getMessage().contains("(2)") && e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void imageRankIsChecked() {
        var e = refused(() -> unet.forward(Tensor.zeros(1, 4, 8, 16, 16), 981, Tensor.zeros(1, 77, 32)));
        assertTrue(e.getMessage().contains("[1, 4, 8, 16, 16]"), e.getMessage());
    }

    @Test
    void videoRankIsCheckedByTheInflatedUNet() {
        var e = refused(() -> inflated.forward(Tensor.zeros(8, 4, 16, 16), 981, Tensor.zeros(8, 77, 32),
                FrameNorm.ACROSS_FRAMES));
        assertTrue(e.getMessage().contains("(B, 4, F, H, W)") && e.getMessage().contains("[8, 4, 16, 16]"),
                e.getMessage());
    }

    @Test
    void oddLatentSizesGiveCeilHalvedSkipShapes() {
        List<int[]> shapes = unet.resSampleShapes(2, 12, 20);
        assertEquals(12, shapes.size());
        assertArrayEquals(new int[] {2, 16, 12, 20}, shapes.getFirst());
        assertArrayEquals(new int[] {2, 16, 6, 10}, shapes.get(3));
        assertArrayEquals(new int[] {2, 32, 2, 3}, shapes.get(9));
        assertArrayEquals(new int[] {2, 32, 2, 3}, shapes.getLast());
    }

    @Test
    void controlNetResidualShapesAreChecked() {
        List<Tensor> down = new ArrayList<>();
        for (int[] s : unet.resSampleShapes(2, 16, 16)) {
            down.add(Tensor.zeros(s));
        }
        down.set(4, Tensor.zeros(2, 16, 8, 8));
        var residuals = new ControlNetResiduals(down, Tensor.zeros(2, 32, 2, 2));
        var e = refused(() -> unet.forwardWithControlNet(Tensor.zeros(2, 4, 16, 16), Tensor.full(981f, 1),
                Tensor.zeros(2, 77, 32), residuals));
        assertTrue(e.getMessage().contains("residual 4") && e.getMessage().contains("[2, 32, 8, 8]")
                && e.getMessage().contains("[2, 16, 8, 8]"), e.getMessage());
    }

    @Test
    void adapterFeaturesAreCheckedPerDownBlock() {
        List<Tensor> features = new ArrayList<>();
        for (int[] s : unet.adapterFeatureShapes(2, 16, 16)) {
            features.add(Tensor.zeros(s));
        }
        features.removeLast();
        var e = refused(() -> unet.forwardWithAdapter(Tensor.zeros(2, 4, 16, 16), Tensor.full(981f, 1),
                Tensor.zeros(2, 77, 32), features));
        assertTrue(e.getMessage().contains("expected 4 adapter feature"), e.getMessage());
    }
}
