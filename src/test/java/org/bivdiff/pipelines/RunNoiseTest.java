package org.bivdiff.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** A batch's rows of a run's noise are the rows of the whole batch's draws. */
class RunNoiseTest {

    @Test
    void rowsOfABatchAreTheRowsOfTheWholeDraw() {
        RunNoise run = RunNoise.seeded(42);
        for (int[] shape : new int[][] {{8, 4, 6, 6}, {7, 1, 3, 3}, {5, 3}}) {
            Tensor all = run.latents().draw(0, shape);
            for (int from = 0; from < shape[0]; from += 3) {
                int to = Math.min(shape[0], from + 3);
                int[] batch = shape.clone();
                batch[0] = to - from;
                RunNoise rows = run.rows(from);
                assertArrayEquals(all.slice0(from, to).data(), rows.latents().draw(0, batch).data());
                assertArrayEquals(run.vae().draw(2, shape).slice0(from, to).data(), rows.vae().draw(2, batch).data());
                assertArrayEquals(run.steps().draw(5, shape).slice0(from, to).data(), rows.steps().draw(5, batch).data());
            }
        }
        assertSame(run, run.rows(0));
        assertThrows(IllegalArgumentException.class, () -> run.rows(-1));
    }
}
