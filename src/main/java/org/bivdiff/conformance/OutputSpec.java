package org.bivdiff.conformance;

/**
 * The tolerance of one golden output: |actual - expected| <= atol + rtol * |expected|, elementwise.
 *
 * @param name  output name in the case file
 * @param shape expected shape
 * @param atol  absolute tolerance
 * @param rtol  relative tolerance
 * @param exact true for integer-valued outputs that must match exactly
 */
public record OutputSpec(String name, int[] shape, double atol, double rtol, boolean exact) {

    public OutputSpec {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** An exact-match spec. */
    public static OutputSpec exact(String name, int[] shape) {
        return new OutputSpec(name, shape, 0, 0, true);
    }
}
