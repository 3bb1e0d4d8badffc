package org.bivdiff.schedulers;

import org.bivdiff.graph.Tensor;

/**
 * The timesteps and sigmas of the k-diffusion style discrete schedulers (Euler, Euler Ancestral, LMS)
 * after diffusers 0.23's {@code set_timesteps}: float32 timesteps per the spacing, sigmas interpolated
 * linearly in t from the training sigmas (or on the Karras ramp), and a final sigma of 0.
 */
final class DiscreteSigmas {

    private final double[] timesteps;
    private final float[] sigmas;
    private final boolean scaledInitNoise;

    private DiscreteSigmas(double[] timesteps, float[] sigmas, boolean scaledInitNoise) {
        this.timesteps = timesteps;
        this.sigmas = sigmas;
        this.scaledInitNoise = scaledInitNoise;
    }

    static DiscreteSigmas create(SchedulerConfig c, NoiseSchedule schedule, int n) {
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
        float[] sigmas = new float[sig.length + 1];
        for (int i = 0; i < sig.length; i++) {
            sigmas[i] = (float) sig[i];
        }
        boolean scaled = c.timestepSpacing() == TimestepSpacing.LEADING;
        return new DiscreteSigmas(ts, sigmas, scaled);
    }

    double[] timesteps() {
        return timesteps.clone();
    }

    float[] sigmas() {
        return sigmas.clone();
    }

    /** sigma_i, i = 0..N (sigma_N = 0). */
    double sigma(int i) {
        return sigmas[i];
    }

    /** max sigma for "linspace" / "trailing", sqrt(max sigma^2 + 1) for "leading" (float32, as diffusers). */
    double initNoiseSigma() {
        float max = 0;
        for (float s : sigmas) {
            max = Math.max(max, s);
        }
        return scaledInitNoise ? (float) Math.sqrt(max * max + 1f) : max;
    }

    /** The step index of {@code timestep}, as diffusers' {@code _init_step_index}. */
    int indexOf(double timestep) {
        return Steps.indexOf(timesteps, timestep);
    }

    /** x / sqrt(sigma^2 + 1), the input scaling of the variance-exploding formulation. */
    Tensor scaleModelInput(Tensor sample, double timestep) {
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
    Tensor addNoise(Tensor original, Tensor noise, double timestep) {
        return Elementwise.combine(1.0, original, sigmas[indexOf(timestep)], noise);
    }

    /** The x_0 prediction from the model output at sigma (epsilon, v or x_0 itself). */
    static Tensor predOriginalSample(PredictionType type, Tensor modelOutput, Tensor sample, double sigma) {
        return switch (type) {
            case EPSILON -> Elementwise.combine(1.0, sample, -sigma, modelOutput);
            case V_PREDICTION -> Elementwise.combine(-sigma / Math.sqrt(sigma * sigma + 1), modelOutput,
                    1 / (sigma * sigma + 1), sample);
            case SAMPLE -> modelOutput;
        };
    }
}
