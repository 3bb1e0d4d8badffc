package org.bivdiff.schedulers;

/**
 * The training noise schedule: beta_t, alpha_t = 1 - beta_t and alpha_prod_t = prod_{s <= t} alpha_s for
 * t = 0..T-1, held in float32 exactly as diffusers holds them in float32 torch tensors (the golden
 * fixtures' float32 runs see these values; their tolerances cover a float64 recomputation).
 */
public final class NoiseSchedule {

    private final float[] betas;
    private final float[] alphasCumprod;

    private NoiseSchedule(float[] betas) {
        this.betas = betas;
        this.alphasCumprod = new float[betas.length];
        // torch.cumprod on CPU accumulates float32 inputs in double and rounds each output.
        double acc = 1.0;
        for (int i = 0; i < betas.length; i++) {
            acc *= 1.0f - betas[i];
            alphasCumprod[i] = (float) acc;
        }
    }

    /** The schedule of {@code config} ({@code trained_betas} if given, else its {@code beta_schedule}). */
    public static NoiseSchedule of(SchedulerConfig config) {
        int t = config.numTrainTimesteps();
        double[] trained = config.trainedBetas();
        float[] betas = new float[t];
        if (trained.length > 0) {
            for (int i = 0; i < t; i++) {
                betas[i] = (float) trained[i];
            }
            return new NoiseSchedule(betas);
        }
        switch (config.betaSchedule()) {
            case LINEAR -> betas = torchLinspace(config.betaStart(), config.betaEnd(), t);
            case SCALED_LINEAR -> {
                betas = torchLinspace(Math.sqrt(config.betaStart()), Math.sqrt(config.betaEnd()), t);
                for (int i = 0; i < t; i++) {
                    betas[i] = betas[i] * betas[i];
                }
            }
            case SQUAREDCOS_CAP_V2 -> {
                for (int i = 0; i < t; i++) {
                    double t1 = (double) i / t;
                    double t2 = (double) (i + 1) / t;
                    betas[i] = (float) Math.min(1 - cosineAlphaBar(t2) / cosineAlphaBar(t1), 0.999);
                }
            }
        }
        return new NoiseSchedule(betas);
    }

    /** Glide's alpha_bar(t) = cos((t + 0.008) / 1.008 * pi / 2)^2 ({@code betas_for_alpha_bar}, "cosine"). */
    private static double cosineAlphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /**
     * {@code torch.linspace(start, end, steps, dtype=float32)} as ATen computes it: a float32 step, the
     * first half counted up from start and the second half down from end.
     */
    static float[] torchLinspace(double start, double end, int steps) {
        float s = (float) start;
        float e = (float) end;
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = s;
            return out;
        }
        float step = (e - s) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? s + step * i : e - step * (steps - i - 1);
        }
        return out;
    }

    /** T. */
    public int numTrainTimesteps() {
        return betas.length;
    }

    /** alpha_prod_t for a training timestep t in [0, T). */
    public double alphaProd(int t) {
        if (t < 0 || t >= alphasCumprod.length) {
            throw new IllegalArgumentException("timestep " + t + " outside [0, " + alphasCumprod.length + ")");
        }
        return alphasCumprod[t];
    }

    /**
     * alpha_prod_t, or for t < 0 the final alpha DDIM-style schedulers step to ({@code final_alpha_cumprod}):
     * 1 with {@code set_alpha_to_one}, else alpha_prod_0.
     */
    double alphaProdOrFinal(int t, boolean setAlphaToOne) {
        if (t >= 0) {
            return alphaProd(t);
        }
        return setAlphaToOne ? 1.0 : alphaProd(0);
    }

    /** A copy of alpha_prod_0..alpha_prod_{T-1} ({@code alphas_cumprod}). */
    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** A copy of beta_0..beta_{T-1}. */
    public float[] betas() {
        return betas.clone();
    }

    /**
     * The training sigmas sqrt((1 - alpha_prod_t) / alpha_prod_t), computed in float32 as the
     * k-diffusion style schedulers do ({@code ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5}).
     */
    float[] trainSigmas() {
        float[] s = new float[alphasCumprod.length];
        for (int i = 0; i < s.length; i++) {
            float a = alphasCumprod[i];
            s[i] = (float) Math.sqrt((1f - a) / a);
        }
        return s;
    }
}
