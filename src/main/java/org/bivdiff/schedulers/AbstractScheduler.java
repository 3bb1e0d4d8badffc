package org.bivdiff.schedulers;

/**
 * What every scheduler holds once built for N steps, and the accessors of {@link Scheduler} over it: the
 * config, N and the timesteps of the loop. Immutable: the timesteps are handed out as copies.
 */
abstract sealed class AbstractScheduler implements Scheduler
        permits DdimScheduler, PndmScheduler, DpmSolverMultistepScheduler, DiscreteSigmaScheduler {

    final SchedulerConfig config;
    final double[] timesteps;
    private final int numInferenceSteps;

    /**
     * @param numInferenceSteps N as {@link #numInferenceSteps()} reports it
     * @param timesteps         the loop's timesteps, owned by this scheduler from now on
     */
    AbstractScheduler(SchedulerConfig config, int numInferenceSteps, double[] timesteps) {
        this.config = config;
        this.numInferenceSteps = numInferenceSteps;
        this.timesteps = timesteps;
    }

    @Override
    public final SchedulerConfig config() {
        return config;
    }

    @Override
    public final int numInferenceSteps() {
        return numInferenceSteps;
    }

    @Override
    public final double[] timesteps() {
        return timesteps.clone();
    }

    /** The step index of {@code timestep}, as diffusers' {@code _init_step_index}. */
    final int indexOf(double timestep) {
        return Steps.indexOf(timesteps, timestep);
    }
}
