package org.bivdiff.pipelines;

import java.util.List;

import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.schedulers.SigmaScheduler;
import org.bivdiff.tensor.Tensor;

/**
 * InstructPix2Pix's dual guidance, as diffusers 0.23's StableDiffusionInstructPix2PixPipeline computes it: one
 * call on the three-way batch [x; x; x] with text states [positive; negative; negative] (the model appends the
 * image latents [image; image; zeros]), then
 * <pre>eps = e_uncond + g (e_text - e_image) + ig (e_image - e_uncond)</pre>
 * Without guidance ({@code g <= 1} or {@code ig < 1}) one call on the positive states. For schedulers in sigma
 * space the pipeline's hack is reproduced on purpose: each branch becomes x - sigma * out before guidance and
 * the result goes back to (guided - x) / (-sigma) (pipeline_stable_diffusion_instruct_pix2pix.py).
 */
final class InstructPix2PixGuidance implements NoisePredictor {

    private final Guidance.ConditionedModel model;
    private final Tensor states;
    private final double guidanceScale;
    private final double imageGuidanceScale;
    private final Scheduler scheduler;

    /**
     * @param model  the UNet with the image latents appended (rows as the guidance batch)
     * @param states (3F, S, D) [positive; negative; negative] with guidance, else (F, S, D) positive
     */
    InstructPix2PixGuidance(Guidance.ConditionedModel model, Tensor states, double guidanceScale,
                            double imageGuidanceScale, Scheduler scheduler) {
        this.model = model;
        this.states = states;
        this.guidanceScale = guidanceScale;
        this.imageGuidanceScale = imageGuidanceScale;
        this.scheduler = scheduler;
    }

    /** diffusers' {@code do_classifier_free_guidance} for InstructPix2Pix. */
    static boolean guided(double guidanceScale, double imageGuidanceScale) {
        return guidanceScale > 1 && imageGuidanceScale >= 1;
    }

    @Override
    public Tensor predict(Tensor scaledSample, double timestep) {
        throw new UnsupportedOperationException("this model needs the unscaled latents: run it in DenoisingLoop");
    }

    @Override
    public Tensor predict(Tensor scaledSample, Tensor sample, double t) {
        boolean guided = guided(guidanceScale, imageGuidanceScale);
        int copies = guided ? 3 : 1;
        Tensor out = model.predict(Tensors.repeatBatch(scaledSample, copies), t, states);
        Float sigma = scheduler instanceof SigmaScheduler s ? s.sigmas()[Guidance.stepIndex(
                scheduler.timesteps(), t)] : null;
        if (sigma != null) {
            out = towardsSample(Tensors.repeatBatch(sample, copies), out, sigma);
        }
        Tensor eps = out;
        if (guided) {
            int n = sample.dim(0);
            eps = combine(out.slice0(0, n), out.slice0(n, 2 * n), out.slice0(2 * n, 3 * n));
        }
        return sigma == null ? eps : backToNoise(eps, sample, sigma);
    }

    /** e_uncond + g (e_text - e_image) + ig (e_image - e_uncond), in float32 and torch's order. */
    private Tensor combine(Tensor text, Tensor image, Tensor uncond) {
        float g = (float) guidanceScale;
        float ig = (float) imageGuidanceScale;
        float[] et = text.data();
        float[] ei = image.data();
        float[] eu = uncond.data();
        float[] out = new float[et.length];
        for (int i = 0; i < out.length; i++) {
            float a = eu[i] + g * (et[i] - ei[i]);
            out[i] = a + ig * (ei[i] - eu[i]);
        }
        return new Tensor(text.shape(), out);
    }

    /** {@code latent_model_input - sigma * noise_pred}. */
    private static Tensor towardsSample(Tensor x, Tensor out, float sigma) {
        float[] xs = x.data();
        float[] o = out.data();
        float[] r = new float[o.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = xs[i] - sigma * o[i];
        }
        return new Tensor(out.shape(), r);
    }

    /** {@code (noise_pred - latents) / (-sigma)}. */
    private static Tensor backToNoise(Tensor guided, Tensor x, float sigma) {
        float[] g = guided.data();
        float[] xs = x.data();
        float[] r = new float[g.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (g[i] - xs[i]) / -sigma;
        }
        return new Tensor(guided.shape(), r);
    }

    /** The text states of the batch: (3F) [positive; negative; negative] with guidance, else the positive. */
    static Tensor states(PromptEmbeddings e, boolean guided) {
        if (!guided) {
            return e.promptEmbeds();
        }
        Tensor negative = e.negativePromptEmbeds().orElseThrow(
                () -> new IllegalStateException("guidance needs negative prompt embeddings"));
        return Tensor.concat0(List.of(e.promptEmbeds(), negative, negative));
    }
}
