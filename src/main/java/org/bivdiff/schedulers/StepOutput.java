package org.bivdiff.schedulers;

import java.util.Objects;

import org.bivdiff.tensor.Tensor;

/**
 * What one scheduler step returns (diffusers' {@code SchedulerOutput}).
 *
 * @param prevSample         x_{t-1}, the sample for the next loop step, same shape as the input sample
 * @param predOriginalSample the predicted x_0 at this step, or {@code null} for schedulers that never form
 *                           it (PNDM, as in diffusers)
 */
public record StepOutput(Tensor prevSample, Tensor predOriginalSample) {

    public StepOutput {
        Objects.requireNonNull(prevSample, "prevSample");
    }
}
