package org.bivdiff.media;

import java.util.ArrayList;
import java.util.List;

/** Small synthetic clips for the media tests: flat-coloured shapes moving over a flat background. */
final class SyntheticClips {

    private SyntheticClips() {
    }

    /** {@code frames} RGB frames of {@code width x height}: a red square moving right, a blue bar moving down. */
    static List<Image8> movingShapes(int frames, int width, int height) {
        List<Image8> out = new ArrayList<>();
        for (int t = 0; t < frames; t++) {
            byte[] px = new byte[width * height * 3];
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int r = 40;
                    int g = 160;
                    int b = 90;
                    if (x >= 2 + 3 * t && x < 18 + 3 * t && y >= 8 && y < 24) {
                        r = 230;
                        g = 30;
                        b = 30;
                    } else if (y >= 2 * t && y < 2 * t + 8 && x >= 40 && x < 60) {
                        r = 20;
                        g = 40;
                        b = 220;
                    }
                    int i = (y * width + x) * 3;
                    px[i] = (byte) r;
                    px[i + 1] = (byte) g;
                    px[i + 2] = (byte) b;
                }
            }
            out.add(new Image8(height, width, 3, px));
        }
        return out;
    }

    /** Mean absolute difference of two equally sized images, in 0..255 units. */
    static double meanAbsError(Image8 a, Image8 b) {
        byte[] pa = a.pixels();
        byte[] pb = b.pixels();
        long sum = 0;
        for (int i = 0; i < pa.length; i++) {
            sum += Math.abs((pa[i] & 0xFF) - (pb[i] & 0xFF));
        }
        return (double) sum / pa.length;
    }
}
