package org.bivdiff.schedulers;

import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleBinaryOperator;

import org.bivdiff.tensor.Tensor;

/** Elementwise scheduler arithmetic on host tensors, each element computed in double and stored as float32. */
final class Elementwise {

    private Elementwise() {
    }

    /** ca * a + cb * b. */
    static Tensor combine(double ca, Tensor a, double cb, Tensor b) {
        return map2(a, b, (x, y) -> ca * x + cb * y);
    }

    /** c * a. */
    static Tensor scale(Tensor a, double c) {
        float[] x = a.data();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (c * x[i]);
        }
        return new Tensor(a.shape(), out);
    }

    /** sum_k c_k * x_k over tensors of one shape. */
    static Tensor linearCombination(double[] c, List<Tensor> xs) {
        if (c.length != xs.size() || xs.isEmpty()) {
            throw new IllegalArgumentException(c.length + " coefficients for " + xs.size() + " tensors");
        }
        for (Tensor x : xs) {
            requireSameShape(xs.getFirst(), x, "terms of a linear combination");
        }
        int n = xs.getFirst().numel();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double acc = 0;
            for (int k = 0; k < c.length; k++) {
                acc += c[k] * xs.get(k).data()[i];
            }
            out[i] = (float) acc;
        }
        return new Tensor(xs.getFirst().shape(), out);
    }

    /** f(a_i, b_i) for tensors of one shape. */
    static Tensor map2(Tensor a, Tensor b, DoubleBinaryOperator f) {
        requireSameShape(a, b, "operands");
        float[] x = a.data();
        float[] y = b.data();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) f.applyAsDouble(x[i], y[i]);
        }
        return new Tensor(a.shape(), out);
    }

    /** Fails unless {@code a} and {@code b} have one shape. */
    static void requireSameShape(Tensor a, Tensor b, String what) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(what + " differ in shape: " + Arrays.toString(a.shape()) + " vs "
                    + Arrays.toString(b.shape()));
        }
    }
}
