package org.bivdiff.schedulers;

/**
 * A scheduler parameterised by sigma = sqrt((1 - alpha_prod_t) / alpha_prod_t) (Karras et al. 2022):
 * Euler, Euler Ancestral, LMS and DPM-Solver.
 */
public interface SigmaScheduler extends Scheduler {

    /**
     * The sigmas of the schedule, float32 as diffusers 0.23 casts them: one per timestep plus a final
     * one (0 for Euler / LMS, sigma at t = 0 for DPM-Solver). A copy.
     */
    float[] sigmas();
}
