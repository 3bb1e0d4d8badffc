package org.bivdiff.schedulers;

import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 {@code schedulers/scheduling_ddim.py::DDIMScheduler} (Song et al., "Denoising
 * Diffusion Implicit Models", eq. 12 and 16). With prev = t - T // N and alpha_prod_t_prev = alpha_prod_prev
 * (or the final alpha, 1 or alpha_prod_0 per {@code set_alpha_to_one}, when prev < 0):
 * <pre>
 *   x_0     = (x_t - sqrt(beta_prod_t) eps) / sqrt(alpha_prod_t)          (epsilon; v / sample converted)
 *   sigma_t = eta sqrt((beta_prod_t_prev / beta_prod_t) (1 - alpha_prod_t / alpha_prod_t_prev))
 *   x_prev  = sqrt(alpha_prod_t_prev) x_0 + sqrt(1 - alpha_prod_t_prev - sigma_t^2) eps + sigma_t noise
 * </pre>
 * Stateless: {@link #step} needs no history, and {@link #sampler()} is this scheduler's step.
 */
public final class DdimScheduler extends AbstractScheduler {

    private final NoiseSchedule schedule;
    private final double eta;

    private DdimScheduler(SchedulerConfig config, NoiseSchedule schedule, int numInferenceSteps, double eta) {
        super(config, numInferenceSteps, Steps.checkRange(timesteps(config, numInferenceSteps), config));
        this.schedule = schedule;
        this.eta = eta;
    }

    /** DDIM over {@code numInferenceSteps} steps with eta = {@code eta} (0: deterministic DDIM). */
    public static DdimScheduler create(SchedulerConfig config, int numInferenceSteps, double eta) {
        Steps.checkInferenceSteps(config, numInferenceSteps);
        if (!(eta >= 0)) {
            throw new IllegalArgumentException("eta must be >= 0, got " + eta);
        }
        return new DdimScheduler(config, NoiseSchedule.of(config), numInferenceSteps, eta);
    }

    /** diffusers' {@code set_timesteps}: integer timesteps, descending. */
    static double[] timesteps(SchedulerConfig c, int n) {
        int t = c.numTrainTimesteps();
        return switch (c.timestepSpacing()) {
            case LINSPACE -> NumpyMath.reversed(NumpyMath.round(NumpyMath.linspace(0, t - 1, n)));
            case LEADING -> leading(t, n, c.stepsOffset());
            case TRAILING -> {
                double[] ts = NumpyMath.round(NumpyMath.arange(t, 0, -(double) t / n));
                for (int i = 0; i < ts.length; i++) {
                    ts[i] -= 1;
                }
                yield ts;
            }
        };
    }

    /** (arange(N) * (T // N))[::-1] + steps_offset, the only spacing of diffusers 0.14 (and BIVDiff). */
    static double[] leading(int t, int n, int stepsOffset) {
        int ratio = t / n;
        double[] ts = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = (double) (n - 1 - i) * ratio + stepsOffset;
        }
        return ts;
    }

    /** The noise schedule (alpha_prod_t) this scheduler steps with. */
    public NoiseSchedule noiseSchedule() {
        return schedule;
    }

    /** eta of eq. 16: 0 is deterministic DDIM, 1 the DDPM posterior variance. */
    public double eta() {
        return eta;
    }

    @Override
    public Tensor addNoise(Tensor original, Tensor noise, double timestep) {
        return Steps.addNoise(schedule, original, noise, Steps.integral(timestep));
    }

    @Override
    public boolean needsNoise() {
        return eta > 0;
    }

    @Override
    public Sampler sampler() {
        return this::step;
    }

    /**
     * One DDIM step from {@code timestep} to {@code timestep - T // N} (diffusers' {@code step} with
     * {@code use_clipped_model_output=False}); {@code noise} is the {@code variance_noise}, used when eta > 0.
     */
    public StepOutput step(Tensor modelOutput, double timestep, Tensor sample, Tensor noise) {
        Elementwise.requireSameShape(modelOutput, sample, "model output and sample");
        int t = Steps.integral(timestep);
        int prev = t - config.numTrainTimesteps() / numInferenceSteps();
        double alphaProdT = schedule.alphaProd(t);
        double alphaProdTPrev = schedule.alphaProdOrFinal(prev, config.setAlphaToOne());
        double betaProdT = 1 - alphaProdT;
        double variance = ((1 - alphaProdTPrev) / betaProdT) * (1 - alphaProdT / alphaProdTPrev);
        double stdDevT = eta * Math.sqrt(variance);
        double directionCoeff = Math.sqrt(1 - alphaProdTPrev - stdDevT * stdDevT);
        if (eta > 0) {
            Steps.checkNoise(noise, sample);
        }
        float[] x = sample.data();
        float[] out = modelOutput.data();
        float[] prevSample = new float[x.length];
        float[] predOriginal = new float[x.length];
        double sa = Math.sqrt(alphaProdT);
        double sb = Math.sqrt(betaProdT);
        double clip = config.clipSampleRange();
        for (int i = 0; i < x.length; i++) {
            // 3. predicted x_0 and epsilon from the model output
            double x0;
            double eps;
            switch (config.predictionType()) {
                case EPSILON -> {
                    x0 = (x[i] - sb * out[i]) / sa;
                    eps = out[i];
                }
                case SAMPLE -> {
                    x0 = out[i];
                    eps = (x[i] - sa * x0) / sb;
                }
                case V_PREDICTION -> {
                    x0 = sa * x[i] - sb * out[i];
                    eps = sa * out[i] + sb * x[i];
                }
                default -> throw new AssertionError();
            }
            // 4. clip "predicted x_0"
            if (config.clipSample()) {
                x0 = Math.clamp(x0, -clip, clip);
            }
            // 6-7. x_prev = sqrt(alpha_prod_t_prev) x_0 + "direction pointing to x_t" (+ sigma_t noise)
            double p = Math.sqrt(alphaProdTPrev) * (float) x0 + directionCoeff * (float) eps;
            if (eta > 0) {
                p += stdDevT * noise.data()[i];
            }
            prevSample[i] = (float) p;
            predOriginal[i] = (float) x0;
        }
        return new StepOutput(new Tensor(sample.shape(), prevSample), new Tensor(sample.shape(), predOriginal));
    }
}
