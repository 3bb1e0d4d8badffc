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

    /**
     * float16 carries 11 significant bits against float32's 24, so the rounding error of one computation grows
     * by 2^13 from a float32 run to a float16 one. The fixtures derive atol from float32 rounding (10x the
     * reference's own float32-versus-float64 difference, at least 1e-6 x max(1, max|x|)); both terms scale
     * by 2^13, so this is the same rule for float16 graphs.
     */
    public static final double HALF_PRECISION_SCALE = 8192;

    /**
     * This tolerance for an output computed through float16 graphs: atol x {@link #HALF_PRECISION_SCALE};
     * rtol and exact outputs as they are.
     */
    public OutputSpec forHalfPrecision() {
        return exact ? this : new OutputSpec(name, shape, atol * HALF_PRECISION_SCALE, rtol, false);
    }

    /** An exact-match spec. */
    public static OutputSpec exact(String name, int[] shape) {
        return new OutputSpec(name, shape, 0, 0, true);
    }
}
