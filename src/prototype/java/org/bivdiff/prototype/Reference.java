package org.bivdiff.prototype;

import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;

/**
 * Float64 references for the benchmarked ops, computed at a random sample of output positions (a full
 * float64 convolution would take longer than the benchmark), and the relative L2 error over that sample.
 */
final class Reference {

    private final int[] positions;
    private final double[] expected;

    /** Evaluates {@code exact} at {@code samples} random flat output indices below {@code size}. */
    Reference(int size, int samples, long seed, IntToDoubleFunction exact) {
        SplittableRandom r = new SplittableRandom(seed);
        positions = new int[samples];
        expected = new double[samples];
        for (int i = 0; i < samples; i++) {
            positions[i] = r.nextInt(size);
            expected[i] = exact.applyAsDouble(positions[i]);
        }
    }

    /** sqrt(sum (y - exact)^2 / sum exact^2) over the sampled positions of y. */
    double relativeL2(float[] y) {
        double err = 0;
        double ref = 0;
        for (int i = 0; i < positions.length; i++) {
            double d = y[positions[i]] - expected[i];
            err += d * d;
            ref += expected[i] * expected[i];
        }
        return Math.sqrt(err / ref);
    }

    /** Output (n, o, y, x) of a 3x3, stride 1, padding 1 convolution of x (N, C, H, W), in float64. */
    static IntToDoubleFunction conv3x3(float[] x, float[] weight, float[] bias, int c, int h, int w, int o) {
        return index -> {
            int ox = index % w;
            int oy = index / w % h;
            int co = index / (w * h) % o;
            int n = index / (w * h * o);
            double acc = bias[co];
            for (int ci = 0; ci < c; ci++) {
                for (int ky = 0; ky < 3; ky++) {
                    int iy = oy + ky - 1;
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = ox + kx - 1;
                        if (ix >= 0 && ix < w) {
                            acc += (double) weight[((co * c + ci) * 3 + ky) * 3 + kx]
                                    * x[((n * c + ci) * h + iy) * w + ix];
                        }
                    }
                }
            }
            return acc;
        };
    }

    /** Output (m, n) of x (M, K) times weight (N, K) transposed plus bias (N), in float64. */
    static IntToDoubleFunction linear(float[] x, float[] weight, float[] bias, int k, int n) {
        return index -> {
            int row = index / n;
            int col = index % n;
            double acc = bias[col];
            for (int i = 0; i < k; i++) {
                acc += (double) x[row * k + i] * weight[col * k + i];
            }
            return acc;
        };
    }
}
