package org.bivdiff.schedulers;

import org.bivdiff.graph.Tensor;

/**
 * Port of diffusers 0.23 {@code schedulers/scheduling_euler_discrete.py::EulerDiscreteScheduler}
 * (Algorithm 2 of Karras et al. 2022 with s_churn = 0): with sigma = sigma_i and x_0 predicted from the
 * model output,
 * <pre>
 *   d      = (x - x_0) / sigma
 *   x_prev = x + d (sigma_{i+1} - sigma)
 * </pre>
 * Stochastic churn (s_churn > 0) is not implemented, so the step draws no noise. Stateless: the step
 * index comes from the timestep.
 */
public final class EulerDiscreteScheduler implements SigmaScheduler {

    private final SchedulerConfig config;
    private final int numInferenceSteps;
    private final DiscreteSigmas sigmas;

    private EulerDiscreteScheduler(SchedulerConfig config, int numInferenceSteps, DiscreteSigmas sigmas) {
        this.config = config;
        this.numInferenceSteps = numInferenceSteps;
        this.sigmas = sigmas;
    }

    /** Euler over {@code numInferenceSteps} steps. */
    public static EulerDiscreteScheduler create(SchedulerConfig config, int numInferenceSteps) {
        return new EulerDiscreteScheduler(config, numInferenceSteps,
                DiscreteSigmas.create(config, NoiseSchedule.of(config), numInferenceSteps));
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    @Override
    public int numInferenceSteps() {
        return numInferenceSteps;
    }

    @Override
    public double[] timesteps() {
        return sigmas.timesteps();
    }

    @Override
    public float[] sigmas() {
        return sigmas.sigmas();
    }

    @Override
    public double initNoiseSigma() {
        return sigmas.initNoiseSigma();
    }

    @Override
    public Tensor scaleModelInput(Tensor sample, double timestep) {
        return sigmas.scaleModelInput(sample, timestep);
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, double timestep) {
        return sigmas.addNoise(original, noise, timestep);
    }

    @Override
    public boolean needsNoise() {
        return false;
    }

    @Override
    public Sampler sampler() {
        return this::step;
    }

    /** One Euler step from {@code timestep}'s sigma to the next; {@code noise} is not used. */
    public StepOutput step(Tensor modelOutput, double timestep, Tensor sample, Tensor noise) {
        Elementwise.requireSameShape(modelOutput, sample, "model output and sample");
        int i = sigmas.indexOf(timestep);
        double sigma = sigmas.sigma(i);
        double dt = sigmas.sigma(i + 1) - sigma;
        Tensor predOriginal = DiscreteSigmas.predOriginalSample(config.predictionType(), modelOutput, sample, sigma);
        Tensor prev = Elementwise.map2(sample, predOriginal, (x, x0) -> x + (x - x0) / sigma * dt);
        return new StepOutput(prev, predOriginal);
    }
}
