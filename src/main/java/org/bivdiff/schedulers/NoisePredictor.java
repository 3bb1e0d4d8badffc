package org.bivdiff.schedulers;

import org.bivdiff.graph.Tensor;

/** The network seen by a sampling or inversion loop: the model output for {@code sample} at {@code timestep}. */
@FunctionalInterface
public interface NoisePredictor {

    /** The noise prediction (or v / x_0, per the scheduler's prediction type), same shape as {@code sample}. */
    Tensor predict(Tensor sample, double timestep);
}
