package org.bivdiff.schedulers;

import org.bivdiff.tensor.Tensor;

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
public final class EulerDiscreteScheduler extends DiscreteSigmaScheduler {

    private EulerDiscreteScheduler(SchedulerConfig config, int numInferenceSteps) {
        super(config, numInferenceSteps);
    }

    /** Euler over {@code numInferenceSteps} steps. */
    public static EulerDiscreteScheduler create(SchedulerConfig config, int numInferenceSteps) {
        return new EulerDiscreteScheduler(config, numInferenceSteps);
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
        int i = indexOf(timestep);
        double sigma = sigma(i);
        double dt = sigma(i + 1) - sigma;
        Tensor predOriginal = predOriginalSample(modelOutput, sample, sigma);
        Tensor prev = Elementwise.map2(sample, predOriginal, (x, x0) -> x + (x - x0) / sigma * dt);
        return new StepOutput(prev, predOriginal);
    }
}
