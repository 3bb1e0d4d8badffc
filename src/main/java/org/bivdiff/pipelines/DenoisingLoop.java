package org.bivdiff.pipelines;

import java.time.Duration;
import java.util.Objects;

import org.bivdiff.schedulers.DdimInversion;
import org.bivdiff.schedulers.Sampler;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.schedulers.StepOutput;
import org.bivdiff.tensor.Tensor;

/**
 * The one denoising loop every pipeline uses:
 * <pre>
 * for t in scheduler.timesteps()[startStep:]:
 *     eps = model(scheduler.scaleModelInput(x, t), t)
 *     x   = stepCallback(sampler.step(eps, t, x, noise).prevSample)
 * </pre>
 * Guidance, ControlNet residuals and image-vs-video UNets live in the {@link NoisePredictor} (see
 * {@link Guidance}); the loop only schedules. Latents are never scaled here: pass them already
 * multiplied by {@link Scheduler#initNoiseSigma()} when starting from pure noise.
 */
public final class DenoisingLoop {

    /**
     * Replaces the latents after each step, before the next one and before the observer sees them: diffusers'
     * {@code callback_on_step_end} returning latents, Prompt-to-Prompt's {@code controller.step_callback}.
     */
    @FunctionalInterface
    public interface StepCallback {
        /** @param latents the scheduler's {@code prev_sample}; returns the latents the loop continues from */
        Tensor onStepEnd(int index, double timestep, Tensor latents);

        StepCallback NONE = (i, t, x) -> x;
    }

    /**
     * Sees every step's model output and result, e.g. to record per-step latents. The result's
     * {@code prevSample} is what the loop continues from, after the {@link StepCallback}.
     */
    @FunctionalInterface
    public interface StepObserver {
        void afterStep(int index, double timestep, Tensor modelOutput, StepOutput result);

        StepObserver NONE = (i, t, eps, out) -> { };
    }

    /**
     * One loop.
     *
     * @param scheduler    built for the run's number of steps
     * @param latents      x_T (or the partially noised start for img2img / smoothing)
     * @param model        the network with guidance applied
     * @param startStep    index into the timesteps to start at (img2img strength), usually 0
     * @param noise        per-step draws for schedulers that need them ({@link Scheduler#needsNoise()})
     * @param stage        a name for progress events
     * @param events       per-step progress, the cancellation checked before every step, per-step results
     * @param stepCallback replaces each step's latents
     */
    public record Request(Scheduler scheduler, Tensor latents, NoisePredictor model, int startStep, StepNoise noise,
                          String stage, RunEvents events, StepCallback stepCallback) {

        public Request {
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(latents, "latents");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(events, "events");
            Objects.requireNonNull(stepCallback, "stepCallback");
            if (startStep < 0 || startStep > scheduler.timesteps().length) {
                throw new IllegalArgumentException("start step " + startStep + " outside [0, "
                        + scheduler.timesteps().length + "]");
            }
        }

        /** From step 0, no noise, no events. */
        public static Request of(Scheduler scheduler, Tensor latents, NoisePredictor model) {
            return new Request(scheduler, latents, model, 0, StepNoise.NONE, "denoising", RunEvents.NONE,
                    StepCallback.NONE);
        }

        public Request withStartStep(int step) {
            return new Request(scheduler, latents, model, step, noise, stage, events, stepCallback);
        }

        public Request withNoise(StepNoise n) {
            return new Request(scheduler, latents, model, startStep, n, stage, events, stepCallback);
        }

        /** This loop reporting to {@code e}, its progress events named {@code stageName}. */
        public Request withEvents(String stageName, RunEvents e) {
            return new Request(scheduler, latents, model, startStep, noise, stageName, e, stepCallback);
        }

        public Request withStepCallback(StepCallback c) {
            return new Request(scheduler, latents, model, startStep, noise, stage, events, c);
        }
    }

    private DenoisingLoop() {
    }

    /** Runs the loop and returns x_0's latents (the last {@code prevSample}). */
    public static Tensor run(Request r) {
        Scheduler scheduler = r.scheduler();
        double[] timesteps = scheduler.timesteps();
        Sampler sampler = scheduler.sampler();
        Tensor x = r.latents();
        long start = System.nanoTime();
        int total = timesteps.length - r.startStep();
        for (int i = r.startStep(); i < timesteps.length; i++) {
            r.events().cancellation().check(r.stage() + " step " + (i + 1) + "/" + timesteps.length);
            double t = timesteps[i];
            Tensor scaled = scheduler.scaleModelInput(x, t);
            Tensor eps = r.model().predict(scaled, x, t);
            Tensor stepNoise = scheduler.needsNoise() ? r.noise().draw(i, x.shape()) : null;
            StepOutput out = sampler.step(eps, t, x, stepNoise);
            x = r.stepCallback().onStepEnd(i, t, out.prevSample());
            StepOutput continued = x == out.prevSample() ? out : new StepOutput(x, out.predOriginalSample());
            r.events().observer().afterStep(i, t, eps, continued);
            r.events().progress().onStep(new ProgressListener.Progress(r.stage(), i - r.startStep() + 1, total, t,
                    Duration.ofNanos(System.nanoTime() - start)));
        }
        return x;
    }

    /**
     * The full DDIM inversion of {@code latents}: for each e of {@link DdimInversion#timesteps()},
     * x = step(predictor(x, e), e, x).nextSample. Pure: {@code latents} is not modified.
     */
    public static Tensor invert(DdimInversion inversion, Tensor latents, NoisePredictor predictor) {
        Tensor x = latents;
        for (int e : inversion.timesteps()) {
            x = inversion.step(predictor.predict(x, e), e, x).nextSample();
        }
        return x;
    }
}
