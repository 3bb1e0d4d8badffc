package org.bivdiff.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bivdiff.media.OpenCvResize.Interpolation;
import org.junit.jupiter.api.Test;

/**
 * OpenCV's resize rules on hand-computed cases (the golden midas_detector case covers INTER_AREA at a fractional
 * factor, INTER_LANCZOS4 enlarging and INTER_LINEAR doubling on real sizes).
 */
class OpenCvResizeTest {

    private static Image8 gray(int h, int w, int... v) {
        byte[] px = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            px[i] = (byte) v[i];
        }
        return new Image8(h, w, 1, px);
    }

    private static int[] values(Image8 image) {
        int[] v = new int[image.pixels().length];
        for (int i = 0; i < v.length; i++) {
            v[i] = image.pixels()[i] & 0xFF;
        }
        return v;
    }

    @Test
    void sameSizeIsTheImageItself() {
        Image8 img = gray(2, 2, 1, 2, 3, 4);
        for (Interpolation i : Interpolation.values()) {
            assertSame(img, OpenCvResize.resize(img, 2, 2, i));
        }
    }

    @Test
    void halvingAveragesEachBlockRoundingHalfUp() {
        // 1 + 2 + 3 + 4 = 10: (10 + 2) >> 2 = 3, where 10 / 4 = 2.5 would round to even 2; INTER_LINEAR halving is
        // OpenCV's fast area path too
        Image8 img = gray(2, 2, 1, 2, 3, 4);
        assertArrayEquals(new int[] {3}, values(OpenCvResize.resize(img, 1, 1, Interpolation.AREA)));
        assertArrayEquals(new int[] {3}, values(OpenCvResize.resize(img, 1, 1, Interpolation.LINEAR)));
    }

    @Test
    void integerAreaFactorsRoundTheMeanHalfToEven() {
        int[] block = new int[16];
        block[0] = 40;                                      // mean 2.5 -> 2
        assertArrayEquals(new int[] {2}, values(OpenCvResize.resize(gray(4, 4, block), 1, 1, Interpolation.AREA)));
        block[0] = 56;                                      // mean 3.5 -> 4
        assertArrayEquals(new int[] {4}, values(OpenCvResize.resize(gray(4, 4, block), 1, 1, Interpolation.AREA)));
    }

    @Test
    void linearEnlargingInFixedPoint() {
        // 2 -> 4 columns: offsets -0.25 (clamped to the first pixel), 0.25, 0.75, 1.25 (clamped to the last);
        // weights round(0.75 * 2048) = 1536 and 512, the vertical pass rounds as OpenCV's SIMD kernel
        assertArrayEquals(new int[] {0, 25, 75, 100},
                values(OpenCvResize.resize(gray(1, 2, 0, 100), 4, 1, Interpolation.LINEAR)));
    }

    @Test
    void areaEnlargingUsesAreaModeLinearWeights() {
        // enlarging with INTER_AREA: each source pixel is repeated, with a blend only where cells straddle two
        assertArrayEquals(new int[] {0, 0, 100, 100},
                values(OpenCvResize.resize(gray(1, 2, 0, 100), 4, 1, Interpolation.AREA)));
    }

    @Test
    void nonPositiveSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> OpenCvResize.resize(gray(1, 1, 0), 0, 1,
                Interpolation.LINEAR));
    }
}
