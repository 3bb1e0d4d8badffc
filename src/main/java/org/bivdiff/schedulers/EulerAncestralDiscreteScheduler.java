package org.bivdiff.schedulers;

import org.bivdiff.graph.Tensor;

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
public final class EulerAncestralDiscreteScheduler implements SigmaScheduler {

    private final SchedulerConfig config;
    private final int numInferenceSteps;
    private final DiscreteSigmas sigmas;

    private EulerAncestralDiscreteScheduler(SchedulerConfig config, int numInferenceSteps, DiscreteSigmas sigmas) {
        this.config = config;
        this.numInferenceSteps = numInferenceSteps;
        this.sigmas = sigmas;
    }

    /** Euler Ancestral over {@code numInferenceSteps} steps. */
    public static EulerAncestralDiscreteScheduler create(SchedulerConfig config, int numInferenceSteps) {
        if (config.predictionType() == PredictionType.SAMPLE) {
            throw new IllegalArgumentException("EulerAncestralDiscreteScheduler does not implement prediction_type sample");
        }
        return new EulerAncestralDiscreteScheduler(config, numInferenceSteps,
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
        int i = sigmas.indexOf(timestep);
        double sigmaFrom = sigmas.sigma(i);
        double sigmaTo = sigmas.sigma(i + 1);
        double sigmaUp = Math.sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)
                / (sigmaFrom * sigmaFrom));
        double sigmaDown = Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        double dt = sigmaDown - sigmaFrom;
        Tensor predOriginal = DiscreteSigmas.predOriginalSample(config.predictionType(), modelOutput, sample,
                sigmaFrom);
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
