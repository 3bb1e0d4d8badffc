package org.bivdiff.media;

/**
 * Image resizing as Pillow's {@code Image.resize(size, resample)} does it for 8-bit RGB / L images
 * (Pillow's {@code libImaging/Resample.c}, versions 7 to 11): separable convolution whose support widens
 * with the downscale factor (so downscaling is antialiased, unlike OpenCV's INTER_LINEAR), weights
 * normalised per output pixel then turned into 22-bit fixed point, a horizontal pass into an 8-bit
 * intermediate image, then a vertical pass, each rounding and clipping to 0..255. This is meant to match
 * Pillow pixel for pixel; the only float step is the weight computation, done in double as Pillow does.
 *
 * <p>Also the reference's snapping of sizes to multiples of 32 ({@code inference.py}: {@code (h // 32) * 32}).
 */
public final class Resize {

    /** Pillow's resampling filters. */
    public enum Filter {
        /** Triangle filter, support 1 ({@code Image.BILINEAR}). */
        BILINEAR(1.0),
        /** Keys cubic with a = -0.5, support 2 ({@code Image.BICUBIC}). */
        BICUBIC(2.0),
        /** Lanczos-3 windowed sinc, support 3 ({@code Image.LANCZOS}, diffusers' default for PIL inputs). */
        LANCZOS(3.0);

        final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            return switch (this) {
                case BILINEAR -> {
                    double a = Math.abs(x);
                    yield a < 1.0 ? 1.0 - a : 0.0;
                }
                case BICUBIC -> {
                    double a = Math.abs(x);
                    double c = -0.5;
                    if (a < 1.0) {
                        yield ((c + 2.0) * a - (c + 3.0)) * a * a + 1;
                    }
                    yield a < 2.0 ? (((a - 5) * a + 8) * a - 4) * c : 0.0;
                }
                case LANCZOS -> x > -3.0 && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
            };
        }

        private static double sinc(double x) {
            if (x == 0.0) {
                return 1.0;
            }
            x *= Math.PI;
            return Math.sin(x) / x;
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private Resize() {
    }

    /** {@code size} rounded down to a multiple of {@code multiple} ({@code (size // 32) * 32} for 32). */
    public static int roundDown(int size, int multiple) {
        if (multiple <= 0) {
            throw new IllegalArgumentException("multiple must be positive, got " + multiple);
        }
        int r = size / multiple * multiple;
        if (r == 0) {
            throw new IllegalArgumentException("size " + size + " is smaller than one multiple of " + multiple);
        }
        return r;
    }

    /** {@link #resize(Image8, int, int, Filter)} with {@link Filter#BILINEAR}. */
    public static Image8 bilinear(Image8 image, int width, int height) {
        return resize(image, width, height, Filter.BILINEAR);
    }

    /**
     * {@code image} resized to {@code width x height} with {@code filter}, as Pillow's
     * {@code image.resize((width, height), filter)}. Returns {@code image} itself when the size is unchanged.
     */
    public static Image8 resize(Image8 image, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        Image8 out = image;
        if (width != image.width()) {
            out = horizontal(out, width, filter);
        }
        if (height != image.height()) {
            out = vertical(out, height, filter);
        }
        return out;
    }

    /** Weights of one output pixel: input pixels {@code [start, start + k.length)}. */
    private record Taps(int start, int[] k) {
    }

    private static Taps[] coefficients(int inSize, int outSize, Filter filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        Taps[] taps = new Taps[outSize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double[] w = new double[xmax];
            double sum = 0.0;
            for (int x = 0; x < xmax; x++) {
                w[x] = filter.weight((x + xmin - center + 0.5) * ss);
                sum += w[x];
            }
            int[] k = new int[xmax];
            for (int x = 0; x < xmax; x++) {
                double v = sum != 0.0 ? w[x] / sum : w[x];
                // Pillow's normalize_coeffs_8bpc: round half away from zero into fixed point
                k[x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
            }
            taps[xx] = new Taps(xmin, k);
        }
        return taps;
    }

    private static Image8 horizontal(Image8 in, int outWidth, Filter filter) {
        Taps[] taps = coefficients(in.width(), outWidth, filter);
        int c = in.channels();
        byte[] src = in.pixels();
        byte[] dst = new byte[in.height() * outWidth * c];
        for (int y = 0; y < in.height(); y++) {
            int row = y * in.width() * c;
            for (int xx = 0; xx < outWidth; xx++) {
                Taps t = taps[xx];
                for (int ch = 0; ch < c; ch++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < t.k.length; i++) {
                        acc += (src[row + (t.start + i) * c + ch] & 0xFF) * t.k[i];
                    }
                    dst[(y * outWidth + xx) * c + ch] = clip8(acc);
                }
            }
        }
        return new Image8(in.height(), outWidth, c, dst);
    }

    private static Image8 vertical(Image8 in, int outHeight, Filter filter) {
        Taps[] taps = coefficients(in.height(), outHeight, filter);
        int c = in.channels();
        int rowLen = in.width() * c;
        byte[] src = in.pixels();
        byte[] dst = new byte[outHeight * rowLen];
        for (int yy = 0; yy < outHeight; yy++) {
            Taps t = taps[yy];
            for (int j = 0; j < rowLen; j++) {
                int acc = 1 << (PRECISION_BITS - 1);
                for (int i = 0; i < t.k.length; i++) {
                    acc += (src[(t.start + i) * rowLen + j] & 0xFF) * t.k[i];
                }
                dst[yy * rowLen + j] = clip8(acc);
            }
        }
        return new Image8(outHeight, in.width(), c, dst);
    }

    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
