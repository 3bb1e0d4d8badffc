package org.bivdiff.media.annotators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Canny on hand-made images (the RGB golden case runs in the conformance suite): the one-sided
 * non-maximum suppression, hysteresis, grayscale input, HWC3 and the control-image tensor.
 */
class CannyTest {

    private static final int W = 8;
    private static final int H = 6;

    /** Grayscale: {@code left} for x < 4, {@code right(y)} for x >= 4. */
    private static Image8 verticalStep(int left, int[] rightPerRow) {
        byte[] px = new byte[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                px[y * W + x] = (byte) (x < 4 ? left : rightPerRow[y]);
            }
        }
        return new Image8(H, W, 1, px);
    }

    private static int[] column(Image8 edges, int x) {
        int[] c = new int[edges.height()];
        for (int y = 0; y < c.length; y++) {
            c[y] = edges.get(y, x, 0);
        }
        return c;
    }

    private static int count(Image8 edges) {
        int n = 0;
        for (byte b : edges.pixels()) {
            n += b != 0 ? 1 : 0;
        }
        return n;
    }

    @Test
    void stepEdgeLandsOnTheDarkSideOnly() {
        // both columns 3 and 4 have |dx| = 800; suppression keeps the one whose left neighbour is smaller
        // (m > left, m >= right), so only column 3 is an edge
        Image8 e = Canny.edges(verticalStep(0, new int[] {200, 200, 200, 200, 200, 200}), 100, 200);
        assertArrayEquals(new int[] {255, 255, 255, 255, 255, 255}, column(e, 3));
        assertEquals(H, count(e));
    }

    @Test
    void horizontalStepLandsOnTheUpperRow() {
        byte[] px = new byte[W * H];
        for (int y = 3; y < H; y++) {
            for (int x = 0; x < W; x++) {
                px[y * W + x] = (byte) 200;
            }
        }
        Image8 e = Canny.edges(new Image8(H, W, 1, px), 100, 200);
        for (int x = 0; x < W; x++) {
            assertEquals(255, e.get(2, x, 0), "x " + x);
        }
        assertEquals(W, count(e));
    }

    @Test
    void hysteresisFollowsWeakEdgesFromStrongOnes() {
        int[] strongThenWeak = {200, 200, 200, 20, 20, 20};
        int[] weak = {20, 20, 20, 20, 20, 20};
        // weak step: |dx| = 80, above low 50 but not above high 100
        assertEquals(0, count(Canny.edges(verticalStep(0, weak), 50, 100)));
        // the strong upper half is an edge and the weak lower half joins it (8-connected through the corner
        // where the edge bends at the change of contrast)
        Image8 e = Canny.edges(verticalStep(0, strongThenWeak), 50, 100);
        assertArrayEquals(new int[] {255, 255, 0, 0, 255, 255}, column(e, 3));
        assertEquals(255, e.get(3, 4, 0));
        // without the weak candidates (low 90) the lower half is gone
        Image8 strict = Canny.edges(verticalStep(0, strongThenWeak), 90, 100);
        assertArrayEquals(new int[] {255, 255, 0, 0, 0, 0}, column(strict, 3));
    }

    @Test
    void thresholdsAreSwappedWhenGivenHighFirst() {
        Image8 img = verticalStep(10, new int[] {200, 150, 120, 90, 60, 30});
        assertEquals(Canny.edges(img, 100, 200), Canny.edges(img, 200, 100));
    }

    @Test
    void grayEqualsRgbWithEqualChannels() {
        Image8 gray = verticalStep(30, new int[] {200, 150, 120, 90, 60, 30});
        assertEquals(Canny.edges(gray, 50, 150), Canny.edges(gray.toRgb(), 50, 150));
    }

    @Test
    void controlImagesAreHwc3EdgesInZeroOne() {
        Image8 rgb = verticalStep(0, new int[] {200, 200, 200, 200, 200, 200}).toRgb();
        Tensor frames = ImageTensors.toSigned(List.of(rgb, rgb));
        Tensor control = Canny.controlImages(frames, 100, 200);
        assertArrayEquals(new int[] {2, 3, H, W}, control.shape());
        Image8 edges = Canny.edges(ImageTensors.signedToPilTruncated(frames).getFirst(), 100, 200);
        assertEquals(ImageTensors.toUnit(List.of(Canny.hwc3(edges), Canny.hwc3(edges))), control);
        for (float v : control.data()) {
            assertEquals(true, v == 0f || v == 1f, "control value " + v);
        }
        Image8 h3 = Canny.hwc3(edges);
        assertEquals(3, h3.channels());
        assertEquals(edges.get(2, 3, 0), h3.get(2, 3, 2));
    }
}
