package org.bivdiff.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bivdiff.schedulers.StepOutput;
import org.bivdiff.tensor.Tensor;

/**
 * What a run recorded when asked to ({@link Sampling#trace()}): per step the model output handed to the scheduler
 * and the latents after the step, and the UNet's full input at the first step.
 *
 * @param noisePreds     per step (F, 4, h, w): the (guided) model output passed to {@code scheduler.step}
 * @param latents        per step (F, 4, h, w): {@code prev_sample}
 * @param firstUNetInput (rows, in_channels, h, w): the UNet input of the first step, guidance rows included
 * @param textStates     (rows, S, D): the {@code encoder_hidden_states} the UNet received at the first step
 */
public record Trace(List<Tensor> noisePreds, List<Tensor> latents, Optional<Tensor> firstUNetInput,
                    Optional<Tensor> textStates) {

    public Trace {
        noisePreds = List.copyOf(noisePreds);
        latents = List.copyOf(latents);
    }

    /** Nothing recorded. */
    public static final Trace NONE = new Trace(List.of(), List.of(), Optional.empty(), Optional.empty());

    /** The model outputs stacked: (n, F, 4, h, w). */
    public Tensor noisePredsStacked() {
        return stack(noisePreds);
    }

    /** The latents stacked: (n, F, 4, h, w). */
    public Tensor latentsStacked() {
        return stack(latents);
    }

    private static Tensor stack(List<Tensor> steps) {
        if (steps.isEmpty()) {
            throw new IllegalStateException("nothing was recorded: run with Sampling.withTrace(true)");
        }
        return Tensor.concat0(steps.stream().map(Tensors::unsqueeze0).toList());
    }

    /** Records a run: observe the loop with it, wrap the UNet call with {@link #firstInput}. */
    public static final class Recorder implements DenoisingLoop.StepObserver {

        private final boolean enabled;
        private final List<Tensor> noisePreds = new ArrayList<>();
        private final List<Tensor> latents = new ArrayList<>();
        private Tensor firstInput;
        private Tensor textStates;

        public Recorder(boolean enabled) {
            this.enabled = enabled;
        }

        @Override
        public void afterStep(int index, double timestep, Tensor modelOutput, StepOutput result) {
            if (enabled) {
                noisePreds.add(modelOutput);
                latents.add(result.prevSample());
            }
        }

        /** {@code model}, recording its input and text states at the first call. */
        public Guidance.ConditionedModel firstInput(Guidance.ConditionedModel model) {
            if (!enabled) {
                return model;
            }
            return (x, t, states) -> {
                if (firstInput == null) {
                    firstInput = x;
                    textStates = states;
                }
                return model.predict(x, t, states);
            };
        }

        Trace trace() {
            if (!enabled) {
                return Trace.NONE;
            }
            return new Trace(noisePreds, latents, Optional.ofNullable(firstInput), Optional.ofNullable(textStates));
        }
    }
}
