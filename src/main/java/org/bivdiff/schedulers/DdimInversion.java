package org.bivdiff.schedulers;

import org.bivdiff.tensor.Tensor;

/**
 * DDIM inversion: runs the deterministic DDIM update backwards, from clean latents x_0 towards noise,
 * over the DDIM timesteps in ascending order. Two variants, chosen by {@link InversionKind}:
 *
 * <p><b>{@link InversionKind#BIVDIFF_REVERSE_STEP}</b> reproduces {@code DDIMScheduler.reverse_step} of
 * BIVDiff, {@code models/scheduling_ddim.py} (MCG-NJU/BIVDiff), as {@code models/mixed_inversion.py} calls
 * it: {@code for e in scheduler.timesteps.flip(0): x = reverse_step(unet(x, e), e, x).next_sample}.
 * Quirks kept on purpose:
 * <ul>
 *   <li>the sample is treated as x_e, at the level of the timestep the model saw: the first step takes
 *       the clean latents as x_1 (alpha_prod_1, not 1);</li>
 *   <li>the next timestep is {@code min(T - 2, e + T // N)}: the last step lands on 998 for T = 1000, not
 *       on e + T // N and not on the first denoising timestep (751 for N = 4);</li>
 *   <li>x_0 = (x_e - sqrt(beta_prod_e) eps) / sqrt(alpha_prod_e) whatever the {@code prediction_type}
 *       (the model output is always read as epsilon), clamped to [-1, 1] when {@code clip_sample};</li>
 *   <li>x_0 is re-noised to the next timestep with {@code add_noise(x_0, eps, next)} =
 *       sqrt(alpha_prod_next) x_0 + sqrt(1 - alpha_prod_next) eps;</li>
 *   <li>the timesteps are always "leading" ({@code arange(N) * (T // N) + steps_offset}): BIVDiff's
 *       scheduler is based on diffusers 0.14, whose {@code set_timesteps} has no {@code timestep_spacing}.</li>
 * </ul>
 *
 * <p><b>{@link InversionKind#TEXTBOOK_DDIM}</b> is the clean option (as in Null-text inversion and
 * diffusers' {@code DDIMInverseScheduler}): the model evaluated at e moves the sample from level
 * s = e - T // N (the final alpha, 1 or alpha_prod_0 per {@code set_alpha_to_one}, when s < 0) to level e,
 * x_e = sqrt(alpha_prod_e) x_0 + sqrt(1 - alpha_prod_e) eps with x_0 and eps from the model output per
 * {@code prediction_type} and no clipping. It is the exact reverse of {@link DdimScheduler#step} at
 * eta = 0 (up to eps(x_s) ~ eps(x_e)), and its last step lands on the first denoising timestep.
 */
public final class DdimInversion {

    /** Which inversion update to run. */
    public enum InversionKind {
        /** BIVDiff's {@code reverse_step}, quirks included (see {@link DdimInversion}). */
        BIVDIFF_REVERSE_STEP,
        /** The deterministic DDIM update run backwards, landing on the denoising schedule. */
        TEXTBOOK_DDIM
    }

    /**
     * One inversion step.
     *
     * @param nextSample         the sample at {@code nextTimestep}
     * @param predOriginalSample the x_0 the step predicted
     * @param nextTimestep       the noise level {@code nextSample} is at
     */
    public record InversionStep(Tensor nextSample, Tensor predOriginalSample, int nextTimestep) {
    }

    private final SchedulerConfig config;
    private final NoiseSchedule schedule;
    private final int numInferenceSteps;
    private final InversionKind kind;
    private final int[] timesteps;

    private DdimInversion(SchedulerConfig config, int numInferenceSteps, InversionKind kind) {
        this.config = config;
        this.schedule = NoiseSchedule.of(config);
        this.numInferenceSteps = numInferenceSteps;
        this.kind = kind;
        double[] denoising = kind == InversionKind.BIVDIFF_REVERSE_STEP
                ? Steps.checkRange(DdimScheduler.leading(config.numTrainTimesteps(), numInferenceSteps,
                        config.stepsOffset()), config)
                : DdimScheduler.create(config, numInferenceSteps, 0).timesteps();
        this.timesteps = new int[denoising.length];
        for (int i = 0; i < denoising.length; i++) {
            timesteps[i] = (int) denoising[denoising.length - 1 - i];
        }
    }

    /** The inversion over {@code numInferenceSteps} DDIM steps of {@code config}. */
    public static DdimInversion create(SchedulerConfig config, int numInferenceSteps, InversionKind kind) {
        Steps.checkInferenceSteps(config, numInferenceSteps);
        return new DdimInversion(config, numInferenceSteps, kind);
    }

    public InversionKind kind() {
        return kind;
    }

    /** The timesteps the model is evaluated at, in inversion order (ascending: the denoising ones flipped). */
    public int[] timesteps() {
        return timesteps.clone();
    }

    /** T // N, the distance between timesteps. */
    private int stepRatio() {
        return config.numTrainTimesteps() / numInferenceSteps;
    }

    /** The noise level a step with the model evaluated at {@code timestep} lands on. */
    public int nextTimestep(int timestep) {
        return switch (kind) {
            case BIVDIFF_REVERSE_STEP -> Math.min(config.numTrainTimesteps() - 2, timestep + stepRatio());
            case TEXTBOOK_DDIM -> timestep;
        };
    }

    /** One step: {@code modelOutput} is the model's output for {@code sample} at {@code timestep}. */
    public InversionStep step(Tensor modelOutput, int timestep, Tensor sample) {
        Elementwise.requireSameShape(modelOutput, sample, "model output and sample");
        int next = nextTimestep(timestep);
        double alphaProdNext = schedule.alphaProd(next);
        return switch (kind) {
            case BIVDIFF_REVERSE_STEP -> {
                double alphaProdT = schedule.alphaProd(timestep);
                double sa = Math.sqrt(alphaProdT);
                double sb = Math.sqrt(1 - alphaProdT);
                Tensor x0 = Elementwise.map2(sample, modelOutput, (x, eps) -> {
                    double p = (x - sb * eps) / sa;
                    return config.clipSample() ? Math.clamp(p, -1.0, 1.0) : p;
                });
                yield new InversionStep(Steps.addNoise(schedule, x0, modelOutput, next), x0, next);
            }
            case TEXTBOOK_DDIM -> textbookStep(modelOutput, timestep, sample, alphaProdNext);
        };
    }

    private InversionStep textbookStep(Tensor modelOutput, int timestep, Tensor sample, double alphaProdNext) {
        int from = timestep - stepRatio();
        double alphaProdFrom = schedule.alphaProdOrFinal(from, config.setAlphaToOne());
        double sa = Math.sqrt(alphaProdFrom);
        double sb = Math.sqrt(1 - alphaProdFrom);
        PredictionType prediction = config.predictionType();
        Tensor x0 = Elementwise.map2(sample, modelOutput, (x, m) -> switch (prediction) {
            case EPSILON -> (x - sb * m) / sa;
            case SAMPLE -> m;
            case V_PREDICTION -> sa * x - sb * m;
        });
        Tensor eps = switch (prediction) {
            case EPSILON -> modelOutput;
            case SAMPLE -> Elementwise.combine(1 / sb, sample, -sa / sb, x0);
            case V_PREDICTION -> Elementwise.combine(sa, modelOutput, sb, sample);
        };
        Tensor next = Elementwise.combine(Math.sqrt(alphaProdNext), x0, Math.sqrt(1 - alphaProdNext), eps);
        return new InversionStep(next, x0, timestep);
    }
}
