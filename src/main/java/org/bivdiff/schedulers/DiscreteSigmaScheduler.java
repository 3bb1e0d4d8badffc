package org.bivdiff.schedulers;

import org.bivdiff.tensor.Tensor;

/**
 * What the k-diffusion style discrete schedulers (Euler, Euler Ancestral, LMS) share: the timesteps and
 * sigmas after diffusers 0.23's {@code set_timesteps} (float32 timesteps per the spacing, sigmas
 * interpolated linearly in t from the training sigmas or on the Karras ramp, and a final sigma of 0), and
 * the variance-exploding {@code scale_model_input}, {@code add_noise} and {@code init_noise_sigma} over
 * them. Subclasses add the step.
 */
abstract sealed class DiscreteSigmaScheduler extends AbstractScheduler implements SigmaScheduler
        permits EulerDiscreteScheduler, EulerAncestralDiscreteScheduler, LmsDiscreteScheduler {

    private final float[] sigmas;

    DiscreteSigmaScheduler(SchedulerConfig c, int n) {
        NoiseSchedule schedule = NoiseSchedule.of(c);
        Steps.checkInferenceSteps(c, n);
        int t = c.numTrainTimesteps();
        double[] ts = switch (c.timestepSpacing()) {
            case LINSPACE -> NumpyMath.toFloat32(NumpyMath.reversed(NumpyMath.linspace(0, t - 1, n)));
            case LEADING -> DdimScheduler.leading(t, n, c.stepsOffset());
            case TRAILING -> {
                double[] r = NumpyMath.toFloat32(NumpyMath.round(NumpyMath.arange(t, 0, -(double) t / n)));
                for (int i = 0; i < r.length; i++) {
                    r[i] -= 1;
                }
                yield r;
            }
        };
        Steps.checkRange(ts, c);
        float[] train = schedule.trainSigmas();
        double[] sig = new double[ts.length];
        for (int i = 0; i < ts.length; i++) {
            sig[i] = NumpyMath.interpOnIndex(ts[i], train);
        }
        if (c.useKarrasSigmas()) {
            double[] logSigmas = NumpyMath.logFloat32(train);
            sig = KarrasSigmas.ramp(sig[sig.length - 1], sig[0], n);
            ts = new double[sig.length];
            for (int i = 0; i < sig.length; i++) {
                ts[i] = KarrasSigmas.sigmaToT(sig[i], logSigmas);
            }
        }
        float[] s = new float[sig.length + 1];
        for (int i = 0; i < sig.length; i++) {
            s[i] = (float) sig[i];
        }
        super(c, n, ts);
        this.sigmas = s;
    }

    @Override
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** max sigma for "linspace" / "trailing", sqrt(max sigma^2 + 1) for "leading" (float32, as diffusers). */
    @Override
    public double initNoiseSigma() {
        float max = 0;
        for (float s : sigmas) {
            max = Math.max(max, s);
        }
        return config.timestepSpacing() == TimestepSpacing.LEADING ? (float) Math.sqrt(max * max + 1f) : max;
    }

    /** x / sqrt(sigma^2 + 1), the input scaling of the variance-exploding formulation. */
    @Override
    public Tensor scaleModelInput(Tensor sample, double timestep) {
        float sigma = sigmas[indexOf(timestep)];
        float denom = (float) Math.sqrt(sigma * sigma + 1f);
        float[] x = sample.data();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] / denom;
        }
        return new Tensor(sample.shape(), out);
    }

    /** x_0 + sigma noise. */
    @Override
    public Tensor addNoise(Tensor original, Tensor noise, double timestep) {
        return Elementwise.combine(1.0, original, sigmas[indexOf(timestep)], noise);
    }

    /** sigma_i, i = 0..N (sigma_N = 0). */
    final double sigma(int i) {
        return sigmas[i];
    }

    /** The x_0 prediction from the model output at sigma (epsilon, v or x_0 itself, per the config). */
    final Tensor predOriginalSample(Tensor modelOutput, Tensor sample, double sigma) {
        return switch (config.predictionType()) {
            case EPSILON -> Elementwise.combine(1.0, sample, -sigma, modelOutput);
            case V_PREDICTION -> Elementwise.combine(-sigma / Math.sqrt(sigma * sigma + 1), modelOutput,
                    1 / (sigma * sigma + 1), sample);
            case SAMPLE -> modelOutput;
        };
    }
}
