package org.bivdiff.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import org.bivdiff.tensor.Tensor;

/** The one tensor assertion of the test suite: on failure it reports the worst element, both values and the tolerance. */
public final class TensorAssert {

    private TensorAssert() {
    }

    /** Asserts |actual - expected| <= atol + rtol * |expected| elementwise, and equal shapes. */
    public static void assertClose(Tensor expected, Tensor actual, double atol, double rtol, String what) {
        assertPassed(Comparison.of(new OutputSpec(what, expected.shape(), atol, rtol, false), actual, expected));
    }

    /** Asserts an exact match. */
    public static void assertExact(Tensor expected, Tensor actual, String what) {
        assertPassed(Comparison.of(OutputSpec.exact(what, expected.shape()), actual, expected));
    }

    /** Fails with the comparison's description unless it passed. */
    public static void assertPassed(Comparison c) {
        if (!c.passed()) {
            fail(c.describe());
        }
    }
}
