package org.bivdiff.pipelines;

import org.bivdiff.tensor.Tensor;

/**
 * A model that predicts noise: the network, with its guidance and conditions, as the denoising and inversion
 * loops call it. The one function type for this idea; the text-conditioned network below the guidance is a
 * {@link Guidance.ConditionedModel}.
 */
@FunctionalInterface
public interface NoisePredictor {

    /** The noise prediction (or v / x_0, per the scheduler's prediction type), same shape as {@code sample}. */
    Tensor predict(Tensor sample, double timestep);

    /**
     * The model output for {@code scaledSample} = scaleModelInput({@code sample}, t), as {@link DenoisingLoop}
     * calls it. Most models need the scaled input alone; one that needs the unscaled latents x_t too
     * (InstructPix2Pix's sigma-space step, {@link InstructPix2PixGuidance}) overrides this, and predictors that
     * wrap other predictors call their inner ones through it so the unscaled latents reach them.
     */
    default Tensor predict(Tensor scaledSample, Tensor sample, double timestep) {
        return predict(scaledSample, timestep);
    }
}
