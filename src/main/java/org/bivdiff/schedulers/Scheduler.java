package org.bivdiff.schedulers;

import org.bivdiff.tensor.Tensor;

/**
 * A noise scheduler built for N inference steps; immutable. The denoising loop is
 * <pre>{@code
 * Sampler run = scheduler.sampler();
 * Tensor x = initialNoise * scheduler.initNoiseSigma();
 * for (double t : scheduler.timesteps()) {
 *     Tensor eps = unet(scheduler.scaleModelInput(x, t), t);
 *     x = run.step(eps, t, x, noiseOrNull).prevSample();
 * }
 * }</pre>
 */
public interface Scheduler {

    /** The resolved config this scheduler was built from. */
    SchedulerConfig config();

    /** N, the number of inference steps asked for. */
    int numInferenceSteps();

    /**
     * The timesteps of the loop, in order (a copy). Integral for DDIM / PNDM / DPM-Solver; the
     * k-diffusion style schedulers (Euler, LMS) use float32 values that can be fractional.
     */
    double[] timesteps();

    /**
     * The standard deviation of the initial noise: 1 (this default, for DDIM / PNDM / DPM-Solver), or
     * sigma_max for the variance-exploding schedulers (Euler, LMS).
     */
    default double initNoiseSigma() {
        return 1.0;
    }

    /**
     * The network input at {@code timestep}: {@code sample} itself (this default), or sample /
     * sqrt(sigma^2 + 1) for the variance-exploding schedulers.
     */
    default Tensor scaleModelInput(Tensor sample, double timestep) {
        return sample;
    }

    /** {@code original} noised to {@code timestep} with {@code noise} (forward process q(x_t | x_0)). */
    Tensor addNoise(Tensor original, Tensor noise, double timestep);

    /** Whether {@link Sampler#step} consumes its {@code noise} argument (DDIM with eta > 0, Euler Ancestral). */
    boolean needsNoise();

    /** A fresh run over this scheduler's timesteps. */
    Sampler sampler();
}
