package org.bivdiff.media;

/**
 * {@code cv2.resize(image, (width, height), interpolation=...)} on 8-bit images as OpenCV 4.6 computes it
 * ({@code modules/imgproc/src/resize.cpp}, no IPP), pixel for pixel; {@link Resize} is Pillow's, which differs.
 * controlnet_aux's annotators resize with it ({@code resize_image}, and the detectors' final resize).
 *
 * <ul>
 *   <li>The same size is a copy.
 *   <li>{@link Interpolation#LINEAR} halving both sides exactly is OpenCV's fast area path: the rounded mean of each
 *       2 x 2 block.
 *   <li>{@link Interpolation#AREA} shrinking both sides: by integer factors, the mean of each block
 *       ({@code sum * (1.f / area)}, rounded half to even; 2 x 2 blocks as {@code (sum + 2) >> 2}); otherwise the
 *       float area-overlap weights of {@code computeResizeAreaTab}, accumulated row by row in float as
 *       {@code ResizeArea_Invoker} does, rounded half to even. Enlarging either side falls back to linear
 *       interpolation with OpenCV's area-mode coefficients.
 *   <li>{@link Interpolation#LINEAR} and {@link Interpolation#LANCZOS4}: separable fixed point (coefficients
 *       {@code round(c * 2048)} as shorts, horizontal pass into ints, vertical pass {@code (sum + 2^21) >> 22}),
 *       borders replicated. The vertical linear pass rounds as OpenCV's SIMD kernel does.
 * </ul>
 */
public final class OpenCvResize {

    /** The interpolations controlnet_aux uses. */
    public enum Interpolation {
        /** {@code cv2.INTER_LINEAR}. */
        LINEAR,
        /** {@code cv2.INTER_AREA}. */
        AREA,
        /** {@code cv2.INTER_LANCZOS4}. */
        LANCZOS4
    }

    private static final int COEF_BITS = 11;
    private static final int COEF_SCALE = 1 << COEF_BITS;

    private OpenCvResize() {
    }

    /** {@code image} resized to {@code width x height}. */
    public static Image8 resize(Image8 image, int width, int height, Interpolation interpolation) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (width == image.width() && height == image.height()) {
            return image;
        }
        double invScaleX = (double) width / image.width();
        double invScaleY = (double) height / image.height();
        double scaleX = 1.0 / invScaleX;
        double scaleY = 1.0 / invScaleY;
        int iscaleX = (int) Math.rint(scaleX);
        int iscaleY = (int) Math.rint(scaleY);
        boolean areaFast = Math.abs(scaleX - iscaleX) < Math.ulp(1.0) && Math.abs(scaleY - iscaleY) < Math.ulp(1.0);
        if (interpolation == Interpolation.LINEAR && areaFast && iscaleX == 2 && iscaleY == 2) {
            interpolation = Interpolation.AREA;
        }
        if (interpolation == Interpolation.AREA && scaleX >= 1 && scaleY >= 1) {
            return areaFast ? areaFast(image, width, height, iscaleX, iscaleY) : area(image, width, height, scaleX,
                    scaleY);
        }
        return separable(image, width, height, interpolation, scaleX, scaleY, invScaleX, invScaleY);
    }

    // ---- area --------------------------------------------------------------------------------------------------

    /** Integer shrink factors: the mean of each {@code sx x sy} block. */
    private static Image8 areaFast(Image8 in, int width, int height, int sx, int sy) {
        int c = in.channels();
        byte[] src = in.pixels();
        byte[] dst = new byte[width * height * c];
        int area = sx * sy;
        float scale = 1f / area;
        int rowLen = in.width() * c;
        for (int dy = 0; dy < height; dy++) {
            for (int dx = 0; dx < width; dx++) {
                for (int ch = 0; ch < c; ch++) {
                    int sum = 0;
                    for (int y = 0; y < sy; y++) {
                        for (int x = 0; x < sx; x++) {
                            sum += src[(dy * sy + y) * rowLen + (dx * sx + x) * c + ch] & 0xFF;
                        }
                    }
                    int v = area == 4 ? (sum + 2) >> 2 : roundHalfEven(sum * scale);
                    dst[(dy * width + dx) * c + ch] = saturate(v);
                }
            }
        }
        return new Image8(height, width, c, dst);
    }

    /** One source index and its weight for one destination index. */
    private record AreaTap(int dst, int src, float alpha) {
    }

    /** OpenCV's computeResizeAreaTab: the overlap of each destination cell with each source pixel. */
    private static AreaTap[] areaTab(int ssize, int dsize, double scale) {
        java.util.List<AreaTap> tab = new java.util.ArrayList<>();
        for (int dx = 0; dx < dsize; dx++) {
            double fsx1 = dx * scale;
            double fsx2 = fsx1 + scale;
            double cellWidth = Math.min(scale, ssize - fsx1);
            int sx1 = (int) Math.ceil(fsx1);
            int sx2 = (int) Math.floor(fsx2);
            sx2 = Math.min(sx2, ssize - 1);
            sx1 = Math.min(sx1, sx2);
            if (sx1 - fsx1 > 1e-3) {
                tab.add(new AreaTap(dx, sx1 - 1, (float) ((sx1 - fsx1) / cellWidth)));
            }
            for (int sx = sx1; sx < sx2; sx++) {
                tab.add(new AreaTap(dx, sx, (float) (1.0 / cellWidth)));
            }
            if (fsx2 - sx2 > 1e-3) {
                tab.add(new AreaTap(dx, sx2, (float) (Math.min(Math.min(fsx2 - sx2, 1.0), cellWidth) / cellWidth)));
            }
        }
        return tab.toArray(AreaTap[]::new);
    }

    /** Non-integer shrink: area-weighted sums in float, each source row weighted into a row buffer first. */
    private static Image8 area(Image8 in, int width, int height, double scaleX, double scaleY) {
        int c = in.channels();
        AreaTap[] xtab = areaTab(in.width(), width, scaleX);
        AreaTap[] ytab = areaTab(in.height(), height, scaleY);
        byte[] src = in.pixels();
        byte[] dst = new byte[width * height * c];
        int dw = width * c;
        float[] buf = new float[dw];
        float[] sum = new float[dw];
        int prev = ytab[0].dst;
        int rowLen = in.width() * c;
        for (AreaTap y : ytab) {
            java.util.Arrays.fill(buf, 0f);
            int row = y.src * rowLen;
            for (AreaTap x : xtab) {
                for (int ch = 0; ch < c; ch++) {
                    int d = x.dst * c + ch;
                    buf[d] = buf[d] + (src[row + x.src * c + ch] & 0xFF) * x.alpha;
                }
            }
            if (y.dst != prev) {
                for (int d = 0; d < dw; d++) {
                    dst[prev * dw + d] = saturate(roundHalfEven(sum[d]));
                    sum[d] = y.alpha * buf[d];
                }
                prev = y.dst;
            } else {
                for (int d = 0; d < dw; d++) {
                    sum[d] += y.alpha * buf[d];
                }
            }
        }
        for (int d = 0; d < dw; d++) {
            dst[prev * dw + d] = saturate(roundHalfEven(sum[d]));
        }
        return new Image8(height, width, c, dst);
    }

    // ---- linear and Lanczos ---------------------------------------------------------------------------------------

    /** Per destination index: first source index (before the kernel's offset) and the fixed-point weights. */
    private record Taps(int[] start, short[] weights, int ksize) {
    }

    /**
     * OpenCV's coefficient tables. Only the horizontal linear table moves offsets outside the image to the border
     * pixel with weight (1, 0); vertically the rows are clamped but the weights stay.
     */
    private static Taps taps(int ssize, int dsize, Interpolation interpolation, double scale, double invScale,
                             boolean areaMode, boolean horizontal) {
        int ksize = interpolation == Interpolation.LANCZOS4 ? 8 : 2;
        int[] start = new int[dsize];
        short[] weights = new short[dsize * ksize];
        float[] cbuf = new float[ksize];
        for (int d = 0; d < dsize; d++) {
            float f;
            int s;
            if (!areaMode) {
                f = (float) ((d + 0.5) * scale - 0.5);
                s = (int) Math.floor(f);
                f -= s;
            } else {
                s = (int) Math.floor(d * scale);
                f = (float) ((d + 1) - (s + 1) * invScale);
                f = f <= 0 ? 0f : f - (float) Math.floor(f);
            }
            if (interpolation != Interpolation.LANCZOS4) {
                if (horizontal && s < 0) {
                    f = 0;
                    s = 0;
                }
                if (horizontal && s >= ssize - 1) {
                    f = 0;
                    s = ssize - 1;
                }
                cbuf[0] = 1f - f;
                cbuf[1] = f;
            } else {
                lanczos4(f, cbuf);
            }
            start[d] = s;
            for (int k = 0; k < ksize; k++) {
                weights[d * ksize + k] = saturateShort(roundHalfEven(cbuf[k] * COEF_SCALE));
            }
        }
        return new Taps(start, weights, ksize);
    }

    /** OpenCV's interpolateLanczos4: the 8 Lanczos-4 weights at offset {@code x}, normalised in float. */
    private static void lanczos4(float x, float[] coeffs) {
        double s45 = 0.70710678118654752440084436210485;
        double[][] cs = {{1, 0}, {-s45, -s45}, {0, 1}, {s45, -s45}, {-1, 0}, {s45, s45}, {0, -1}, {-s45, s45}};
        float sum = 0;
        double y0 = -(double) (x + 3) * Math.PI * 0.25;
        double s0 = Math.sin(y0);
        double c0 = Math.cos(y0);
        for (int i = 0; i < 8; i++) {
            float y0i = x + 3 - i;
            if (Math.abs(y0i) >= 1e-6f) {
                double y = -(double) y0i * Math.PI * 0.25;
                coeffs[i] = (float) ((cs[i][0] * s0 + cs[i][1] * c0) / (y * y));
            } else {
                coeffs[i] = 1e30f;
            }
            sum += coeffs[i];
        }
        sum = 1f / sum;
        for (int i = 0; i < 8; i++) {
            coeffs[i] *= sum;
        }
    }

    private static Image8 separable(Image8 in, int width, int height, Interpolation interpolation, double scaleX,
                                    double scaleY, double invScaleX, double invScaleY) {
        boolean areaMode = interpolation == Interpolation.AREA;
        Interpolation kernel = areaMode ? Interpolation.LINEAR : interpolation;
        Taps xt = taps(in.width(), width, kernel, scaleX, invScaleX, areaMode, true);
        Taps yt = taps(in.height(), height, kernel, scaleY, invScaleY, areaMode, false);
        int c = in.channels();
        int ksize = xt.ksize;
        int half = ksize / 2;
        // horizontal pass of every source row, into ints scaled by 2048
        int[][] rows = new int[in.height()][];
        int sw = in.width();
        byte[] src = in.pixels();
        for (int y = 0; y < in.height(); y++) {
            int[] out = new int[width * c];
            int base = y * sw * c;
            for (int dx = 0; dx < width; dx++) {
                int s0 = xt.start[dx] - half + 1;
                for (int ch = 0; ch < c; ch++) {
                    int acc = 0;
                    for (int k = 0; k < ksize; k++) {
                        int sx = Math.min(Math.max(s0 + k, 0), sw - 1);
                        acc += (src[base + sx * c + ch] & 0xFF) * xt.weights[dx * ksize + k];
                    }
                    out[dx * c + ch] = acc;
                }
            }
            rows[y] = out;
        }
        int dw = width * c;
        byte[] dst = new byte[height * dw];
        int[][] window = new int[ksize][];
        for (int dy = 0; dy < height; dy++) {
            int s0 = yt.start[dy] - half + 1;
            for (int k = 0; k < ksize; k++) {
                window[k] = rows[Math.min(Math.max(s0 + k, 0), in.height() - 1)];
            }
            int off = dy * dw;
            if (ksize == 2) {
                verticalLinear(window[0], window[1], yt.weights[dy * 2], yt.weights[dy * 2 + 1], dst, off, dw);
            } else {
                for (int x = 0; x < dw; x++) {
                    int acc = 0;
                    for (int k = 0; k < ksize; k++) {
                        acc += window[k][x] * yt.weights[dy * ksize + k];
                    }
                    dst[off + x] = saturate((acc + (1 << (2 * COEF_BITS - 1))) >> (2 * COEF_BITS));
                }
            }
        }
        return new Image8(height, width, c, dst);
    }

    /**
     * VResizeLinear as OpenCV 4.6's 8-bit SIMD kernel ({@code VResizeLinearVec_32s8u}) rounds, which (checked
     * against OpenCV 4.6 on odd widths) covers every byte of a row: {@code (((S0 >> 4) * b0 >> 16) + ((S1 >> 4) * b1
     * >> 16) + 2) >> 2} with 16-bit saturation, not the scalar {@code (S0 * b0 + S1 * b1 + 2^21) >> 22}.
     */
    private static void verticalLinear(int[] s0, int[] s1, short b0, short b1, byte[] dst, int off, int width) {
        for (int x = 0; x < width; x++) {
            int a = saturateInt16(s0[x] >> 4) * b0 >> 16;
            int b = saturateInt16(s1[x] >> 4) * b1 >> 16;
            dst[off + x] = saturate((saturateInt16(a + b) + 2) >> 2);
        }
    }

    // ---- rounding ----------------------------------------------------------------------------------------------

    /** cvRound: to nearest, ties to even. */
    private static int roundHalfEven(float v) {
        return (int) Math.rint(v);
    }

    private static byte saturate(int v) {
        return (byte) Math.min(Math.max(v, 0), 255);
    }

    private static short saturateShort(int v) {
        return (short) Math.min(Math.max(v, Short.MIN_VALUE), Short.MAX_VALUE);
    }

    private static int saturateInt16(int v) {
        return Math.min(Math.max(v, Short.MIN_VALUE), Short.MAX_VALUE);
    }
}
