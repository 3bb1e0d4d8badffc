package org.bivdiff.schedulers;

/**
 * The few numpy routines diffusers builds timesteps and sigmas with, reproduced to the last bit where
 * it matters (timesteps are compared exactly): float64 arithmetic, numpy's rounding half to even.
 */
final class NumpyMath {

    private NumpyMath() {
    }

    /** {@code np.linspace(start, stop, num)}: start + i * ((stop - start) / (num - 1)), the last exactly stop. */
    static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        if (num == 1) {
            y[0] = start;
            return y;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            y[i] = step == 0 ? i / (double) (num - 1) * (stop - start) + start : i * step + start;
        }
        y[num - 1] = stop;
        return y;
    }

    /** {@code np.arange(start, stop, step)}: ceil((stop - start) / step) values start + i * step. */
    static double[] arange(double start, double stop, double step) {
        int n = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = start + i * step;
        }
        return y;
    }

    /** {@code np.round} of each value (half to even), in place; returns {@code x}. */
    static double[] round(double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.rint(x[i]);
        }
        return x;
    }

    /** Reversed copy ({@code x[::-1]}). */
    static double[] reversed(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[x.length - 1 - i];
        }
        return y;
    }

    /** Each value rounded to float32 and back ({@code .astype(np.float32)}), in place; returns {@code x}. */
    static double[] toFloat32(double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) x[i];
        }
        return x;
    }

    /** {@code np.interp(x, arange(len(fp)), fp)}: piecewise-linear interpolation on the integer grid. */
    static double interpOnIndex(double x, float[] fp) {
        int last = fp.length - 1;
        if (x <= 0) {
            return fp[0];
        }
        if (x >= last) {
            return fp[last];
        }
        int j = (int) Math.floor(x);
        double slope = ((double) fp[j + 1] - fp[j]) / 1.0;
        return slope * (x - j) + fp[j];
    }

    /** log(sigma) of each float32 sigma, rounded to float32 ({@code np.log} of a float32 array). */
    static double[] logFloat32(float[] sigmas) {
        double[] out = new double[sigmas.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.log(sigmas[i]);
        }
        return out;
    }
}
