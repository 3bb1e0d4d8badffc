package org.bivdiff.pipelines;

import java.util.List;

import org.bivdiff.tensor.Tensor;

/**
 * Guidance as wrappers around a text-conditioned network, giving the {@link NoisePredictor} the
 * {@link DenoisingLoop} calls. Works for images (N, C, H, W) and videos (N, C, F, H, W) alike: the
 * guidance batch is always dimension 0.
 */
public final class Guidance {

    /** A network conditioned on text states: (sample, timestep, encoderHiddenStates) to its output. */
    @FunctionalInterface
    public interface ConditionedModel {
        Tensor predict(Tensor sample, double timestep, Tensor encoderHiddenStates);
    }

    private Guidance() {
    }

    /**
     * Classifier-free guidance, diffusers' way: with {@code scale > 1} one call on the batch
     * {@code [x; x]} with states {@code [negative; positive]}, then
     * {@code eps = eps_uncond + scale * (eps_text - eps_uncond)}; otherwise one call on the positive
     * states alone.
     */
    public static NoisePredictor classifierFree(ConditionedModel model, PromptEmbeddings embeddings, double scale) {
        if (scale < 0 || Double.isNaN(scale)) {
            throw new IllegalArgumentException("guidance scale must be >= 0, got " + scale);
        }
        if (scale <= 1) {
            Tensor cond = embeddings.promptEmbeds();
            return (x, t) -> model.predict(x, t, cond);
        }
        Tensor states = embeddings.encoderHiddenStates();
        return (x, t) -> {
            Tensor both = model.predict(Tensor.concat0(List.of(x, x)), t, states);
            int n = x.dim(0);
            return combine(both.slice0(0, n), both.slice0(n, 2 * n), scale);
        };
    }

    /**
     * {@code model} with per-row channels appended to its input, {@code cat([sample, extra], dim=1)}: the
     * InstructPix2Pix image latents or the inpainting mask and masked-image latents.
     *
     * @param extra (N, C_extra, h, w), rows aligned with the guidance batch the model receives
     */
    public static ConditionedModel withExtraChannels(ConditionedModel model, Tensor extra) {
        return (x, t, states) -> {
            if (x.dim(0) != extra.dim(0)) {
                throw new IllegalArgumentException("sample has " + x.dim(0) + " rows but the extra channels "
                        + extra.dim(0));
            }
            return model.predict(Tensors.concatChannels(List.of(x, extra)), t, states);
        };
    }

    /**
     * Position of {@code t} in the loop's {@code timesteps} (the first match, as diffusers' {@code nonzero()[0]}),
     * for predictors that change with the step: ControlNet's guidance window, the alternating baseline.
     */
    public static int stepIndex(double[] timesteps, double t) {
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                return i;
            }
        }
        throw new IllegalArgumentException("timestep " + t + " is not one of the run's timesteps");
    }

    /** eps_uncond + scale * (eps_text - eps_uncond), elementwise in float32 as torch does. */
    public static Tensor combine(Tensor uncond, Tensor text, double scale) {
        float[] u = uncond.data();
        float[] c = text.data();
        float[] out = new float[u.length];
        float s = (float) scale;
        for (int i = 0; i < out.length; i++) {
            out[i] = u[i] + s * (c[i] - u[i]);
        }
        return new Tensor(uncond.shape(), out);
    }
}
