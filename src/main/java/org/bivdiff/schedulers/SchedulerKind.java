package org.bivdiff.schedulers;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.bivdiff.io.ConfigJson;

/**
 * The schedulers this package implements, spelled as diffusers' class names ({@code _class_name}).
 * Each knows the config keys its diffusers {@code __init__} takes (v0.23) and its defaults where they
 * differ between classes.
 */
public enum SchedulerKind implements ConfigJson.Spelled {
    DDIM("DDIMScheduler", TimestepSpacing.LEADING,
            "clip_sample", "set_alpha_to_one", "thresholding", "dynamic_thresholding_ratio", "clip_sample_range",
            "sample_max_value", "rescale_betas_zero_snr"),
    PNDM("PNDMScheduler", TimestepSpacing.LEADING, "skip_prk_steps", "set_alpha_to_one"),
    EULER("EulerDiscreteScheduler", TimestepSpacing.LINSPACE, "interpolation_type", "use_karras_sigmas"),
    EULER_ANCESTRAL("EulerAncestralDiscreteScheduler", TimestepSpacing.LINSPACE),
    LMS("LMSDiscreteScheduler", TimestepSpacing.LINSPACE, "use_karras_sigmas"),
    DPM_SOLVER_MULTISTEP("DPMSolverMultistepScheduler", TimestepSpacing.LINSPACE,
            "solver_order", "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "algorithm_type",
            "solver_type", "lower_order_final", "euler_at_final", "use_karras_sigmas", "use_lu_lambdas",
            "lambda_min_clipped", "variance_type");

    /** Keys every scheduler above takes. */
    static final List<String> COMMON_KEYS = List.of("num_train_timesteps", "beta_start", "beta_end", "beta_schedule",
            "trained_betas", "prediction_type", "timestep_spacing", "steps_offset");

    private final String className;
    private final TimestepSpacing defaultSpacing;
    private final Set<String> ownKeys;

    SchedulerKind(String className, TimestepSpacing defaultSpacing, String... ownKeys) {
        this.className = className;
        this.defaultSpacing = defaultSpacing;
        this.ownKeys = Set.of(ownKeys);
    }

    @Override
    public String spelling() {
        return className;
    }

    /** diffusers' class name, e.g. {@code DDIMScheduler}. */
    public String className() {
        return className;
    }

    /** The {@code timestep_spacing} the class uses when the config does not say. */
    public TimestepSpacing defaultSpacing() {
        return defaultSpacing;
    }

    /** Config keys this class takes besides {@link #COMMON_KEYS}. */
    public Set<String> ownKeys() {
        return ownKeys;
    }

    /** The kind whose class name is {@code className}. */
    public static SchedulerKind byClassName(String className) {
        for (SchedulerKind k : values()) {
            if (k.className.equals(className)) {
                return k;
            }
        }
        throw new IllegalArgumentException("scheduler class '" + className + "' is not implemented (implemented: "
                + Arrays.stream(values()).map(SchedulerKind::className).toList() + ")");
    }
}
