package org.bivdiff.pipelines;

import java.time.Duration;

/**
 * Receives one event per finished step of a long loop (denoising, inversion, decoding), and one per model load
 * between steps.
 */
@FunctionalInterface
public interface ProgressListener {

    /**
     * One finished step.
     *
     * @param stage    what is running ({@code "smoothing"})
     * @param step     1-based number of the finished step
     * @param total    steps in the stage
     * @param timestep the diffusion timestep of the step, or NaN where there is none
     * @param elapsed  time since the stage started
     */
    record Progress(String stage, int step, int total, double timestep, Duration elapsed) {

        /** Estimated time to the end of the stage, from the mean step time so far. */
        public Duration remaining() {
            return step == 0 ? Duration.ZERO : elapsed.multipliedBy(total - step).dividedBy(step);
        }
    }

    /** Ignores every event. */
    ProgressListener NONE = p -> { };

    void onStep(Progress progress);

    /**
     * A model was loaded (its session created) before or between steps; nothing by default.
     *
     * @param model   the model, e.g. {@code "UNet3D"}
     * @param elapsed how long the load took
     */
    default void onLoad(String model, Duration elapsed) {
    }
}
