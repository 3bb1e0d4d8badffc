package org.bivdiff.schedulers;

import org.bivdiff.tensor.Tensor;

/**
 * One denoising run of a {@link Scheduler}: {@link #step} is called once per timestep, in the order of
 * {@link Scheduler#timesteps()} (starting anywhere in it). Multistep schedulers (PNDM, LMS, DPM-Solver)
 * keep their model-output history here; single-step schedulers hand out a stateless sampler. A sampler
 * belongs to one run and one thread.
 */
public interface Sampler {

    /**
     * Advances {@code sample} from {@code timestep} to the previous timestep of the schedule.
     *
     * @param modelOutput the network output at ({@code scaleModelInput(sample)}, {@code timestep})
     * @param timestep    the current timestep, one of {@link Scheduler#timesteps()}
     * @param sample      x_t, same shape as {@code modelOutput}
     * @param noise       the random draw of this step, same shape; ignored (may be null) unless
     *                    {@link Scheduler#needsNoise()}
     */
    StepOutput step(Tensor modelOutput, double timestep, Tensor sample, Tensor noise);
}
