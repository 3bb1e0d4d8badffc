package org.bivdiff.pipelines;

import java.util.Objects;

import org.bivdiff.schedulers.DdimScheduler;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.schedulers.SchedulerKind;
import org.bivdiff.schedulers.Schedulers;

/**
 * How an image pipeline samples, shared by every pipeline's request.
 *
 * @param scheduler         the scheduler class and config (diffusers' {@code X.from_config(...)})
 * @param eta               DDIM's eta; other schedulers ignore it, as diffusers' {@code extra_step_kwargs} does
 * @param numInferenceSteps N >= 1
 * @param guidanceScale     classifier-free guidance scale >= 0; guidance (a doubled batch) only when > 1
 * @param noise             every random draw of the run
 * @param maxBatch          most rows per UNet call (frames x guidance branches), 0 = all rows in one call
 * @param trace             whether to keep every step's model output and latents in the result
 * @param events            per-step progress and the cancellation checked before every step; its step observer
 *                          sees the steps as the trace does
 */
public record Sampling(SchedulerConfig scheduler, double eta, int numInferenceSteps, double guidanceScale,
                       RunNoise noise, int maxBatch, boolean trace, RunEvents events) {

    public Sampling {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(noise, "noise");
        Objects.requireNonNull(events, "events");
        if (numInferenceSteps < 1) {
            throw new IllegalArgumentException("num_inference_steps must be >= 1, got " + numInferenceSteps);
        }
        if (!(guidanceScale >= 0) || Double.isInfinite(guidanceScale)) {
            throw new IllegalArgumentException("guidance_scale must be a finite number >= 0, got " + guidanceScale);
        }
        if (!(eta >= 0)) {
            throw new IllegalArgumentException("eta must be >= 0, got " + eta);
        }
        if (maxBatch < 0) {
            throw new IllegalArgumentException("max batch must be >= 0 (0 = unbounded), got " + maxBatch);
        }
    }

    /** eta 0, unbounded batch, no trace, no events. */
    public static Sampling of(SchedulerConfig scheduler, int numInferenceSteps, double guidanceScale, RunNoise noise) {
        return new Sampling(scheduler, 0.0, numInferenceSteps, guidanceScale, noise, 0, false, RunEvents.NONE);
    }

    public Sampling withEta(double e) {
        return new Sampling(scheduler, e, numInferenceSteps, guidanceScale, noise, maxBatch, trace, events);
    }

    public Sampling withNoise(RunNoise n) {
        return new Sampling(scheduler, eta, numInferenceSteps, guidanceScale, n, maxBatch, trace, events);
    }

    public Sampling withMaxBatch(int m) {
        return new Sampling(scheduler, eta, numInferenceSteps, guidanceScale, noise, m, trace, events);
    }

    public Sampling withTrace(boolean t) {
        return new Sampling(scheduler, eta, numInferenceSteps, guidanceScale, noise, maxBatch, t, events);
    }

    public Sampling withEvents(RunEvents e) {
        return new Sampling(scheduler, eta, numInferenceSteps, guidanceScale, noise, maxBatch, trace, e);
    }

    /** Whether the text guidance batch is doubled: diffusers' {@code guidance_scale > 1}. */
    public boolean classifierFreeGuidance() {
        return guidanceScale > 1;
    }

    /** The scheduler built for {@link #numInferenceSteps}. */
    public Scheduler buildScheduler() {
        return scheduler.kind() == SchedulerKind.DDIM
                ? DdimScheduler.create(scheduler, numInferenceSteps, eta)
                : Schedulers.create(scheduler, numInferenceSteps);
    }
}
