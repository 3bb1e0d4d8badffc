package org.bivdiff.schedulers;

import java.util.Arrays;

import org.bivdiff.tensor.Tensor;

/** Checks and look-ups shared by the schedulers. */
final class Steps {

    private Steps() {
    }

    /** Fails unless 1 <= n <= T. */
    static void checkInferenceSteps(SchedulerConfig config, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("num_inference_steps must be at least 1, got " + n);
        }
        if (n > config.numTrainTimesteps()) {
            throw new IllegalArgumentException("num_inference_steps " + n + " cannot be larger than num_train_timesteps "
                    + config.numTrainTimesteps());
        }
    }

    /** Fails unless every timestep lies in [0, T - 1]. */
    static double[] checkRange(double[] timesteps, SchedulerConfig config) {
        for (double t : timesteps) {
            if (!(t >= 0 && t <= config.numTrainTimesteps() - 1)) {
                throw new IllegalArgumentException("timestep " + t + " falls outside [0, " + (config.numTrainTimesteps() - 1)
                        + "] (steps_offset " + config.stepsOffset() + ", spacing " + config.timestepSpacing().spelling() + ")");
            }
        }
        return timesteps;
    }

    /** {@code t} as an int; fails for fractional timesteps. */
    static int integral(double t) {
        if (t != Math.rint(t) || Math.abs(t) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("this scheduler takes integer timesteps, got " + t);
        }
        return (int) t;
    }

    /**
     * The index of {@code t} in {@code timesteps} as diffusers' {@code _init_step_index} picks it: the
     * second occurrence if it occurs more than once (so a run starting mid-schedule does not repeat a
     * step), else the only one.
     */
    static int indexOf(double[] timesteps, double t) {
        int first = -1;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                if (first >= 0) {
                    return i;
                }
                first = i;
            }
        }
        if (first < 0) {
            throw new IllegalArgumentException("timestep " + t + " is not one of the schedule's timesteps "
                    + Arrays.toString(timesteps));
        }
        return first;
    }

    /**
     * Fails unless {@code timestep} is {@code timesteps[index]}: a multistep run ({@code run} names it in the
     * message) must be stepped in the order of its schedule.
     */
    static void checkNext(String run, double[] timesteps, int index, double timestep) {
        if (index >= timesteps.length || timesteps[index] != timestep) {
            throw new IllegalArgumentException(run + " run expected timestep "
                    + (index < timesteps.length ? timesteps[index] : "none (the run is over)") + ", got " + timestep);
        }
    }

    /** q(x_t | x_0): sqrt(alpha_prod_t) x_0 + sqrt(1 - alpha_prod_t) noise ({@code add_noise} of DDIM / PNDM). */
    static Tensor addNoise(NoiseSchedule schedule, Tensor original, Tensor noise, int t) {
        double alphaProdT = schedule.alphaProd(t);
        return Elementwise.combine(Math.sqrt(alphaProdT), original, Math.sqrt(1 - alphaProdT), noise);
    }

    /** Fails when a step that needs noise got none, or noise of the wrong shape. */
    static void checkNoise(Tensor noise, Tensor sample) {
        if (noise == null) {
            throw new IllegalArgumentException("this step draws noise: pass it (same shape as the sample)");
        }
        Elementwise.requireSameShape(noise, sample, "noise and sample");
    }
}
