package org.bivdiff.schedulers;

import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 {@code schedulers/scheduling_euler_ancestral_discrete.py::
 * EulerAncestralDiscreteScheduler} (k-diffusion's {@code sample_euler_ancestral}): from sigma_from =
 * sigma_i to sigma_to = sigma_{i+1},
 * <pre>
 *   sigma_up   = sqrt(sigma_to^2 (sigma_from^2 - sigma_to^2) / sigma_from^2)
 *   sigma_down = sqrt(sigma_to^2 - sigma_up^2)
 *   x_prev     = x + (x - x_0) / sigma_from (sigma_down - sigma_from) + sigma_up noise
 * </pre>
 * The noise is the step's {@code randn_tensor} draw, passed in. Stateless: the step index comes from the
 * timestep.
 */
public final class EulerAncestralDiscreteScheduler extends DiscreteSigmaScheduler {

    private EulerAncestralDiscreteScheduler(SchedulerConfig config, int numInferenceSteps) {
        super(config, numInferenceSteps);
    }

    /** Euler Ancestral over {@code numInferenceSteps} steps. */
    public static EulerAncestralDiscreteScheduler create(SchedulerConfig config, int numInferenceSteps) {
        if (config.predictionType() == PredictionType.SAMPLE) {
            throw new IllegalArgumentException("EulerAncestralDiscreteScheduler does not implement prediction_type sample");
        }
        return new EulerAncestralDiscreteScheduler(config, numInferenceSteps);
    }

    @Override
    public boolean needsNoise() {
        return true;
    }

    @Override
    public Sampler sampler() {
        return this::step;
    }

    /** One ancestral step; {@code noise} is the step's standard normal draw. */
    public StepOutput step(Tensor modelOutput, double timestep, Tensor sample, Tensor noise) {
        Elementwise.requireSameShape(modelOutput, sample, "model output and sample");
        Steps.checkNoise(noise, sample);
        int i = indexOf(timestep);
        double sigmaFrom = sigma(i);
        double sigmaTo = sigma(i + 1);
        double sigmaUp = Math.sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)
                / (sigmaFrom * sigmaFrom));
        double sigmaDown = Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        double dt = sigmaDown - sigmaFrom;
        Tensor predOriginal = predOriginalSample(modelOutput, sample, sigmaFrom);
        float[] x = sample.data();
        float[] x0 = predOriginal.data();
        float[] z = noise.data();
        float[] prev = new float[x.length];
        for (int k = 0; k < x.length; k++) {
            prev[k] = (float) (x[k] + (x[k] - x0[k]) / sigmaFrom * dt + z[k] * sigmaUp);
        }
        return new StepOutput(new Tensor(sample.shape(), prev), predOriginal);
    }
}
