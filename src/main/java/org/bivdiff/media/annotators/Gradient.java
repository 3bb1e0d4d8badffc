package org.bivdiff.media.annotators;

import org.bivdiff.media.Image8;

/**
 * Per-pixel Sobel gradient as OpenCV's Canny prepares it: 3x3 Sobel of each channel with
 * BORDER_REPLICATE ({@code Sobel(src, dx, CV_16S, 1, 0, 3, 1, 0, BORDER_REPLICATE)}), L1 magnitude,
 * and for several channels the channel of the largest magnitude (first on ties).
 */
final class Gradient {

    final int height;
    final int width;
    final int[] dx;
    final int[] dy;
    final int[] mag;

    private Gradient(int height, int width) {
        this.height = height;
        this.width = width;
        this.dx = new int[height * width];
        this.dy = new int[height * width];
        this.mag = new int[height * width];
    }

    static Gradient of(Image8 image) {
        int h = image.height();
        int w = image.width();
        int c = image.channels();
        byte[] p = image.pixels();
        Gradient g = new Gradient(h, w);
        for (int y = 0; y < h; y++) {
            int ym = Math.max(y - 1, 0);
            int yp = Math.min(y + 1, h - 1);
            for (int x = 0; x < w; x++) {
                int xm = Math.max(x - 1, 0);
                int xp = Math.min(x + 1, w - 1);
                int best = -1;
                int bestDx = 0;
                int bestDy = 0;
                for (int ch = 0; ch < c; ch++) {
                    int a = px(p, w, c, ym, xm, ch);
                    int b = px(p, w, c, ym, x, ch);
                    int d = px(p, w, c, ym, xp, ch);
                    int l = px(p, w, c, y, xm, ch);
                    int r = px(p, w, c, y, xp, ch);
                    int e = px(p, w, c, yp, xm, ch);
                    int f = px(p, w, c, yp, x, ch);
                    int k = px(p, w, c, yp, xp, ch);
                    int gx = (d - a) + 2 * (r - l) + (k - e);
                    int gy = (e - a) + 2 * (f - b) + (k - d);
                    int m = Math.abs(gx) + Math.abs(gy);
                    if (m > best) {
                        best = m;
                        bestDx = gx;
                        bestDy = gy;
                    }
                }
                int i = y * w + x;
                g.dx[i] = bestDx;
                g.dy[i] = bestDy;
                g.mag[i] = best;
            }
        }
        return g;
    }

    /** Magnitude at {@code (y, x)}; 0 outside the image, as OpenCV's zeroed border rows and columns. */
    int magAt(int y, int x) {
        if (y < 0 || y >= height || x < 0 || x >= width) {
            return 0;
        }
        return mag[y * width + x];
    }

    private static int px(byte[] p, int w, int c, int y, int x, int ch) {
        return p[(y * w + x) * c + ch] & 0xFF;
    }
}
