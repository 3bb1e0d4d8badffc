package org.bivdiff.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import org.bivdiff.graph.OutOfDeviceMemoryException;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Rows per call: the bound, and without one, halving while the GPU runs out of memory. */
class BatchingTest {

    /** A per-row model (row value + 10 x its row index) on a device that holds at most {@code fits} rows. */
    private static final class SmallDevice implements IntFunction<Guidance.ConditionedModel> {
        final int fits;
        final List<Integer> calls = new ArrayList<>();

        SmallDevice(int fits) {
            this.fits = fits;
        }

        @Override
        public Guidance.ConditionedModel apply(int firstRow) {
            return (sample, timestep, encoderHiddenStates) -> predict(sample, firstRow);
        }

        private Tensor predict(Tensor sample, int firstRow) {
            int n = sample.dim(0);
            calls.add(n);
            if (n > fits) {
                throw new OutOfDeviceMemoryException("GPU 0 ran out of memory on " + n + " rows", null);
            }
            float[] out = sample.data().clone();
            for (int i = 0; i < n; i++) {
                out[i] += 10 * (firstRow + i);
            }
            return Tensor.of(out, sample.shape());
        }
    }

    private static final Tensor SAMPLE = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 8, 1);
    private static final Tensor TEXT = Tensor.zeros(8, 1);
    private static final float[] EXPECTED = {1, 12, 23, 34, 45, 56, 67, 78};

    @Test
    void withoutABoundAllRowsGoInOneCall() {
        SmallDevice d = new SmallDevice(8);
        assertArrayEquals(EXPECTED, Batching.inChunksByRow(d, 0).predict(SAMPLE, 1, TEXT).data());
        assertEquals(List.of(8), d.calls);
    }

    @Test
    void withoutABoundRowsAreHalvedUntilTheyFitAndLaterCallsStartThere() {
        SmallDevice d = new SmallDevice(3);
        Guidance.ConditionedModel m = Batching.inChunksByRow(d, 0);
        assertArrayEquals(EXPECTED, m.predict(SAMPLE, 1, TEXT).data());
        assertEquals(List.of(8, 4, 2, 2, 2, 2), d.calls);
        d.calls.clear();
        assertArrayEquals(EXPECTED, m.predict(SAMPLE, 1, TEXT).data());
        assertEquals(List.of(2, 2, 2, 2), d.calls);
    }

    @Test
    void aChosenBoundIsKeptAndRunningOutOfMemoryWithItIsAnError() {
        SmallDevice d = new SmallDevice(3);
        assertArrayEquals(EXPECTED, Batching.inChunksByRow(d, 3).predict(SAMPLE, 1, TEXT).data());
        assertEquals(List.of(3, 3, 2), d.calls);
        var e = assertThrows(OutOfDeviceMemoryException.class, () -> Batching.inChunksByRow(d, 4).predict(SAMPLE, 1, TEXT));
        assertEquals("GPU 0 ran out of memory on 4 rows", e.getMessage());
    }

    @Test
    void oneRowThatDoesNotFitIsAnError() {
        var e = assertThrows(OutOfDeviceMemoryException.class,
                () -> Batching.inChunksByRow(new SmallDevice(0), 0).predict(SAMPLE, 1, TEXT));
        assertEquals("GPU 0 ran out of memory on 1 rows", e.getMessage());
    }
}
