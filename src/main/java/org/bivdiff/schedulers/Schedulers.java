package org.bivdiff.schedulers;

import java.io.IOException;
import java.nio.file.Path;

/** Builds a scheduler by kind, or by the class a {@code scheduler_config.json} names. */
public final class Schedulers {

    private Schedulers() {
    }

    /** The scheduler {@code config} describes, built for {@code numInferenceSteps} (DDIM with eta = 0). */
    public static Scheduler create(SchedulerConfig config, int numInferenceSteps) {
        return switch (config.kind()) {
            case DDIM -> DdimScheduler.create(config, numInferenceSteps, 0.0);
            case PNDM -> PndmScheduler.create(config, numInferenceSteps);
            case EULER -> EulerDiscreteScheduler.create(config, numInferenceSteps);
            case EULER_ANCESTRAL -> EulerAncestralDiscreteScheduler.create(config, numInferenceSteps);
            case LMS -> LmsDiscreteScheduler.create(config, numInferenceSteps);
            case DPM_SOLVER_MULTISTEP -> DpmSolverMultistepScheduler.create(config, numInferenceSteps);
        };
    }

    /** The user's choice of scheduler over a pipeline's config file (diffusers' {@code X.from_config}). */
    public static Scheduler create(SchedulerKind kind, Path configFile, int numInferenceSteps) throws IOException {
        return create(SchedulerConfig.read(configFile, kind), numInferenceSteps);
    }

    /** The scheduler class {@code configFile}'s {@code _class_name} names. */
    public static Scheduler fromConfig(Path configFile, int numInferenceSteps) throws IOException {
        return create(SchedulerConfig.read(configFile), numInferenceSteps);
    }
}
