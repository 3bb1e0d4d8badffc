package org.bivdiff.media.annotators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.bivdiff.media.Image8;
import org.bivdiff.media.annotators.ConditionFrames.FrameInput;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** How frames reach the annotators, and controlnet_aux's resize_image sizes. */
class ConditionFramesTest {

    @Test
    void referenceWrapTurnsNegativeValuesIntoLargeOnes() {
        // one pixel per channel value: -1, -0.5, 0.5 (R, G, B)
        Tensor frame = Tensor.of(new float[] {-1f, -0.5f, 0.5f}, 1, 3, 1, 1);
        Image8 clean = ConditionFrames.annotatorInput(frame, FrameInput.CLEAN).getFirst();
        Image8 wrapped = ConditionFrames.annotatorInput(frame, FrameInput.REFERENCE_WRAP).getFirst();
        // clean: (x + 1) / 2 * 255 truncated
        assertArrayEquals(new int[] {0, 63, 191}, new int[] {clean.get(0, 0, 0), clean.get(0, 0, 1), clean.get(0, 0, 2)});
        // wrap: x * 255 truncated towards zero, then modulo 256: -255 -> 1, -127 -> 129, 127
        assertArrayEquals(new int[] {1, 129, 127},
                new int[] {wrapped.get(0, 0, 0), wrapped.get(0, 0, 1), wrapped.get(0, 0, 2)});
    }

    @Test
    void cannyChannelsFollowTheModel() {
        float[] x = new float[3 * 8 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 8) < 4 ? -1f : 1f;          // a vertical step in every channel
        }
        Tensor frames = Tensor.of(x, 1, 3, 8, 8);
        int[] done = new int[1];
        List<Image8> one = ConditionFrames.canny(frames, FrameInput.CLEAN, 1, n -> done[0] = n);
        List<Image8> three = ConditionFrames.canny(frames, FrameInput.CLEAN, 3, n -> { });
        assertEquals(1, done[0]);
        assertEquals(1, one.getFirst().channels());
        assertEquals(3, three.getFirst().channels());
        assertEquals(Canny.hwc3(one.getFirst()), three.getFirst());
        assertEquals(255, one.getFirst().get(4, 3, 0), "the step is an edge");
    }

    @Test
    void resizeImageRoundsSidesToMultiplesOf64HalfToEven() {
        assertArrayEquals(new int[] {64, 64}, MidasDetector.resizedSize(45, 50, 64));
        assertArrayEquals(new int[] {64, 64}, MidasDetector.resizedSize(150, 140, 64));
        assertArrayEquals(new int[] {128, 128}, MidasDetector.resizedSize(64, 64, 96), "1.5 rounds to 2");
        assertArrayEquals(new int[] {512, 512}, MidasDetector.resizedSize(512, 512, 512));
        assertArrayEquals(new int[] {512, 896}, MidasDetector.resizedSize(288, 512, 512));
        var e = assertThrows(IllegalArgumentException.class, () -> MidasDetector.resizedSize(10, 1000, 20));
        assertTrue(e.getMessage().contains("multiples of 64"), e.getMessage());
    }

    @Test
    void constantDepthGivesABlackMap() {
        Image8 d = MidasDetector.depthToUint8(Tensor.full(0.3f, 1, 4, 4));
        for (byte b : d.pixels()) {
            assertEquals(0, b);
        }
        assertThrows(IllegalArgumentException.class, () -> MidasDetector.depthToUint8(Tensor.zeros(2, 4, 4)));
    }
}
