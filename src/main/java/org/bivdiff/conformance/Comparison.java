package org.bivdiff.conformance;

import java.util.Arrays;
import java.util.Locale;

import org.bivdiff.tensor.Tensor;

/**
 * The outcome of comparing one output with its golden value: whether every element is within
 * tolerance, and the worst element (largest error relative to its allowance).
 *
 * @param output      output name
 * @param passed      every element within tolerance and the shapes equal
 * @param worstIndex  flat index of the worst element, or -1 when the shapes differ
 * @param actual      value there
 * @param expected    golden value there
 * @param error       |actual - expected| there
 * @param allowed     atol + rtol * |expected| there
 * @param maxAbsError the largest |actual - expected| over the tensor
 * @param spec        the tolerance used
 * @param detail      a note for shape mismatches, else empty
 */
public record Comparison(String output, boolean passed, int worstIndex, double actual, double expected, double error,
                         double allowed, double maxAbsError, OutputSpec spec, String detail) {

    /** Compares {@code actual} with {@code expected} under {@code spec}. NaN never passes. */
    public static Comparison of(OutputSpec spec, Tensor actual, Tensor expected) {
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            return new Comparison(spec.name(), false, -1, Double.NaN, Double.NaN, Double.POSITIVE_INFINITY, 0,
                    Double.POSITIVE_INFINITY, spec, "shape " + Arrays.toString(actual.shape()) + ", expected "
                    + Arrays.toString(expected.shape()));
        }
        float[] a = actual.data();
        float[] e = expected.data();
        int worst = -1;
        double worstRatio = -1;
        double maxAbs = 0;
        boolean ok = true;
        for (int i = 0; i < a.length; i++) {
            double err = Math.abs((double) a[i] - e[i]);
            double allow = spec.atol() + spec.rtol() * Math.abs(e[i]);
            if (Double.isNaN(err)) {
                err = Double.POSITIVE_INFINITY;
            }
            boolean within = spec.exact() ? a[i] == e[i] : err <= allow;
            ok &= within;
            maxAbs = Math.max(maxAbs, err);
            double ratio = allow == 0 ? (err == 0 ? 0 : Double.POSITIVE_INFINITY) : err / allow;
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worst = i;
            }
        }
        if (worst < 0) {
            return new Comparison(spec.name(), true, -1, 0, 0, 0, spec.atol(), 0, spec, "empty");
        }
        double allowed = spec.atol() + spec.rtol() * Math.abs(e[worst]);
        return new Comparison(spec.name(), ok, worst, a[worst], e[worst], Math.abs((double) a[worst] - e[worst]),
                allowed, maxAbs, spec, "");
    }

    /** Position of the worst element as a multi-index, e.g. {@code [0, 3, 7, 2]}. */
    public String worstPosition() {
        if (worstIndex < 0) {
            return "-";
        }
        int[] s = spec.shape();
        int[] idx = new int[s.length];
        int rest = worstIndex;
        for (int d = s.length - 1; d >= 0; d--) {
            idx[d] = s[d] == 0 ? 0 : rest % s[d];
            rest = s[d] == 0 ? rest : rest / s[d];
        }
        return Arrays.toString(idx);
    }

    /** One line: output, max error, the worst element and the tolerance. */
    public String describe() {
        if (!detail.isEmpty() && worstIndex < 0) {
            return output + ": " + detail;
        }
        String tol = spec.exact() ? "exact" : String.format(Locale.ROOT, "atol %.1e + rtol %.1e", spec.atol(), spec.rtol());
        return String.format(Locale.ROOT, "%s: max |err| %.3e; worst at %s: actual %.8g, expected %.8g, |err| %.3e vs allowed %.3e (%s)",
                output, maxAbsError, worstPosition(), actual, expected, error, allowed, tol);
    }
}
