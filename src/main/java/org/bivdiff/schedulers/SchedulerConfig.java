package org.bivdiff.schedulers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;

/**
 * A scheduler's {@code scheduler_config.json}, resolved for the class it builds. As with diffusers'
 * {@code from_config}, the file may come from another scheduler class (SD1.5 ships a PNDMScheduler
 * config that pipelines load into any scheduler): keys the target class does not take are ignored
 * on purpose, keys no implemented scheduler knows are an error, and absent keys get the target
 * class's defaults.
 *
 * @param kind              the scheduler class this config builds
 * @param numTrainTimesteps T, the number of training timesteps ({@code num_train_timesteps})
 * @param betaStart         {@code beta_start}
 * @param betaEnd           {@code beta_end}
 * @param betaSchedule      {@code beta_schedule}
 * @param trainedBetas      explicit betas ({@code trained_betas}), empty when the schedule computes them
 * @param predictionType    {@code prediction_type}
 * @param timestepSpacing   {@code timestep_spacing}
 * @param stepsOffset       {@code steps_offset}, added to "leading" timesteps
 * @param setAlphaToOne     DDIM / PNDM: alpha_prod_t_prev of the final step is 1 instead of alpha_prod_0
 * @param clipSample        DDIM: clip the predicted x_0 to [-clipSampleRange, clipSampleRange]
 * @param clipSampleRange   DDIM: {@code clip_sample_range}
 * @param useKarrasSigmas   Euler / LMS / DPM: sigmas on the Karras et al. (2022) rho=7 ramp
 * @param dpmSolver         DPM-Solver options (the defaults for other kinds)
 */
public record SchedulerConfig(SchedulerKind kind, int numTrainTimesteps, double betaStart, double betaEnd,
                              BetaSchedule betaSchedule, double[] trainedBetas, PredictionType predictionType,
                              TimestepSpacing timestepSpacing, int stepsOffset, boolean setAlphaToOne,
                              boolean clipSample, double clipSampleRange, boolean useKarrasSigmas,
                              DpmSolverOptions dpmSolver) {

    public SchedulerConfig {
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps must be at least 2, got " + numTrainTimesteps);
        }
        if (trainedBetas.length != 0 && trainedBetas.length != numTrainTimesteps) {
            throw new IllegalArgumentException("trained_betas has " + trainedBetas.length
                    + " entries but num_train_timesteps is " + numTrainTimesteps);
        }
        if (!(betaStart > 0 && betaEnd > 0 && betaStart < 1 && betaEnd < 1)) {
            throw new IllegalArgumentException("beta_start / beta_end must lie in (0, 1): " + betaStart + ", " + betaEnd);
        }
        if (stepsOffset < 0) {
            throw new IllegalArgumentException("steps_offset must not be negative: " + stepsOffset);
        }
        trainedBetas = trainedBetas.clone();
    }

    @Override
    public double[] trainedBetas() {
        return trainedBetas.clone();
    }

    /** Reads {@code file} for {@code kind}. */
    public static SchedulerConfig read(Path file, SchedulerKind kind) throws IOException {
        return read(ConfigJson.read(file), kind);
    }

    /** Reads {@code file} for the class its {@code _class_name} names. */
    public static SchedulerConfig read(Path file) throws IOException {
        ConfigJson c = ConfigJson.read(file);
        try {
            return read(c, SchedulerKind.byClassName(c.className()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /** Resolves {@code c} for {@code kind}; fails on unknown keys and on options not implemented. */
    public static SchedulerConfig read(ConfigJson c, SchedulerKind kind) throws ConfigException {
        int t = c.integer("num_train_timesteps", 1000);
        double betaStart = c.number("beta_start", 0.0001);
        double betaEnd = c.number("beta_end", 0.02);
        BetaSchedule schedule = c.enumValue("beta_schedule", BetaSchedule.class, BetaSchedule.LINEAR);
        double[] trained = c.has("trained_betas") ? c.numbers("trained_betas") : new double[0];
        c.ignore("trained_betas"); // null: the schedule computes the betas
        PredictionType prediction = c.enumValue("prediction_type", PredictionType.class, PredictionType.EPSILON);
        TimestepSpacing spacing = c.enumValue("timestep_spacing", TimestepSpacing.class, kind.defaultSpacing());
        int offset = c.integer("steps_offset", 0);
        boolean ddim = kind == SchedulerKind.DDIM;
        boolean setAlphaToOne = kind.ownKeys().contains("set_alpha_to_one") && c.bool("set_alpha_to_one", ddim);
        boolean clip = ddim && c.bool("clip_sample", true);
        double clipRange = ddim ? c.number("clip_sample_range", 1.0) : 1.0;
        boolean karras = kind.ownKeys().contains("use_karras_sigmas") && c.bool("use_karras_sigmas", false);
        rejectUnsupported(c, kind);
        DpmSolverOptions dpm = kind == SchedulerKind.DPM_SOLVER_MULTISTEP ? dpmOptions(c) : DpmSolverOptions.DEFAULTS;
        ignoreOtherClassesKeys(c, kind);
        c.finish();
        try {
            return new SchedulerConfig(kind, t, betaStart, betaEnd, schedule, trained, prediction, spacing, offset,
                    setAlphaToOne, clip, clipRange, karras, dpm);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": " + e.getMessage());
        }
    }

    /** Options diffusers offers that this port does not implement: fail instead of sampling differently. */
    private static void rejectUnsupported(ConfigJson c, SchedulerKind kind) throws ConfigException {
        Set<String> own = kind.ownKeys();
        if (own.contains("thresholding") && c.bool("thresholding", false)) {
            throw new ConfigException(c.file() + ": 'thresholding' = true (dynamic thresholding) is not supported");
        }
        if (own.contains("rescale_betas_zero_snr") && c.bool("rescale_betas_zero_snr", false)) {
            throw new ConfigException(c.file() + ": 'rescale_betas_zero_snr' = true is not supported");
        }
        if (own.contains("skip_prk_steps") && !c.bool("skip_prk_steps", false)) {
            throw new ConfigException(c.file() + ": PNDM with 'skip_prk_steps' = false (Runge-Kutta warm-up) is not"
                    + " supported; only PLMS (skip_prk_steps true, as Stable Diffusion ships it)");
        }
        if (own.contains("interpolation_type") && !c.string("interpolation_type", "linear").equals("linear")) {
            throw new ConfigException(c.file() + ": only 'interpolation_type' = linear is supported");
        }
        if (own.contains("use_lu_lambdas") && c.bool("use_lu_lambdas", false)) {
            throw new ConfigException(c.file() + ": 'use_lu_lambdas' = true is not supported");
        }
        String varianceType = own.contains("variance_type") ? c.string("variance_type", "") : "";
        if (varianceType.startsWith("learned")) {
            throw new ConfigException(c.file() + ": 'variance_type' = " + varianceType
                    + " (a learned variance channel) is not supported");
        }
        // Only read by the thresholding we reject above.
        c.ignore("dynamic_thresholding_ratio", "sample_max_value", "variance_type");
    }

    private static DpmSolverOptions dpmOptions(ConfigJson c) throws ConfigException {
        // diffusers 0.23 maps the deprecated 'deis' to dpmsolver++ and logrho / bh1 / bh2 to midpoint.
        DpmSolverOptions.AlgorithmType algorithm = switch (c.string("algorithm_type", "dpmsolver++")) {
            case "dpmsolver++", "deis" -> DpmSolverOptions.AlgorithmType.DPMSOLVER_PLUS_PLUS;
            case "dpmsolver" -> DpmSolverOptions.AlgorithmType.DPMSOLVER;
            case String other -> throw new ConfigException(c.file() + ": 'algorithm_type' = " + other
                    + " is not supported (dpmsolver++, dpmsolver)");
        };
        DpmSolverOptions.SolverType solver = switch (c.string("solver_type", "midpoint")) {
            case "midpoint", "logrho", "bh1", "bh2" -> DpmSolverOptions.SolverType.MIDPOINT;
            case "heun" -> DpmSolverOptions.SolverType.HEUN;
            case String other -> throw new ConfigException(c.file() + ": 'solver_type' = " + other + " is not supported");
        };
        try {
            return new DpmSolverOptions(c.integer("solver_order", 2), algorithm, solver,
                    c.bool("lower_order_final", true), c.bool("euler_at_final", false),
                    c.number("lambda_min_clipped", Double.NEGATIVE_INFINITY));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": " + e.getMessage());
        }
    }

    /** diffusers' from_config drops keys the target class does not take; we do so only for known classes. */
    private static void ignoreOtherClassesKeys(ConfigJson c, SchedulerKind kind) {
        Set<String> others = new HashSet<>();
        for (SchedulerKind k : SchedulerKind.values()) {
            others.addAll(k.ownKeys());
        }
        others.removeAll(kind.ownKeys());
        c.ignore(others.toArray(String[]::new));
    }
}
