package org.bivdiff.pipelines;

import java.util.List;
import java.util.Objects;

import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 StableDiffusionInpaintPipeline with a 9-channel inpainting UNet (BIVDiff's
 * stable-diffusion-inpainting): the UNet sees the latents, the mask at latent size and the masked image's
 * latents. Mask value 1 = repaint, 0 = keep.
 */
public final class InpaintPipeline {

    /**
     * @param prompt   the texts
     * @param image    (F, 3, H, W) in [0, 1]
     * @param mask     (F, 1, H, W) or (1, 1, H, W) for every frame, in [0, 1]; binarised at 0.5
     * @param strength in [0, 1]; 1 starts from pure noise (VAE draw 1 encodes the image otherwise)
     * @param sampling scheduler, steps, guidance, noise (VAE draw 0: the masked image's posterior sample)
     */
    public record Request(Prompt prompt, Tensor image, Tensor mask, double strength, Sampling sampling) {

        public Request {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(mask, "mask");
            Objects.requireNonNull(sampling, "sampling");
            PipelineSteps.checkStrength(strength);
            PipelineSteps.checkImage("image", image, 3, image.dim(2), image.dim(3));
            if (mask.rank() != 4 || mask.dim(1) != 1 || (mask.dim(0) != 1 && mask.dim(0) != image.dim(0))) {
                throw new IllegalArgumentException("mask must be (F, 1, H, W) or (1, 1, H, W) for an image of "
                        + image.dim(0) + " frames, got " + mask);
            }
            if (mask.dim(2) != image.dim(2) || mask.dim(3) != image.dim(3)) {
                throw new IllegalArgumentException("mask is " + mask.dim(3) + "x" + mask.dim(2) + " but the image is "
                        + image.dim(3) + "x" + image.dim(2) + ": they must be the same size");
            }
        }
    }

    /**
     * @param images             the generated images
     * @param maskBinarized      (F, 1, H, W) 0 / 1
     * @param maskedImage        (F, 3, H, W) {@code (2 image - 1) * (mask < 0.5)}
     * @param maskLatents        (F, 1, h, w) the mask at latent size (nearest)
     * @param maskedImageLatents (F, 4, h, w) {@code scaling_factor * vae.encode(maskedImage).latent_dist.sample()}
     */
    public record Result(ImageResult images, Tensor maskBinarized, Tensor maskedImage, Tensor maskLatents,
                         Tensor maskedImageLatents) {
    }

    private final StableDiffusionModels models;

    /** Checks that the UNet is an inpainting one (mask and masked image as extra input channels). */
    public InpaintPipeline(StableDiffusionModels models) {
        this.models = Objects.requireNonNull(models, "models");
        PipelineSteps.checkUNetChannels(models.unet(), 2 * models.latentChannels() + 1, "inpainting");
    }

    public Result run(Request r) {
        // 1. Check inputs
        check(r);
        Sampling s = r.sampling();
        int h = r.image().dim(2) / models.vaeScaleFactor();
        int w = r.image().dim(3) / models.vaeScaleFactor();
        PipelineSteps.prefetch(models, UNet2DConditionModel.Conditioning.NONE);
        // 2. Prepare timesteps
        Scheduler scheduler = s.buildScheduler();
        int startStep = r.strength() == 1.0 ? 0 : PipelineSteps.startStep(s.numInferenceSteps(), r.strength());
        // 3. Encode input prompt, mask and masked image, wrap the UNet with them and guidance
        Trace.Recorder recorder = new Trace.Recorder(s.trace());
        Conditioned c = predictor(r, recorder);
        // 4. Prepare latent variables
        Tensor latents = prepareLatents(s, scheduler, Tensors.normalize(r.image()), r.strength(), startStep, h, w);
        // 5. Denoising loop
        latents = PipelineSteps.denoise(s, scheduler, latents, c.model(), startStep, recorder, "inpainting");
        // 6. Decode and postprocess
        return new Result(PipelineSteps.finish(models, latents, recorder), c.mask(), c.maskedImage(),
                c.maskLatents(), c.maskedImageLatents());
    }

    /**
     * The guided noise predictor {@link #run} denoises with, for a loop of the caller's: the 9-channel UNet
     * with the mask and masked-image latents appended and classifier-free guidance, over (F, 4, H / 8, W / 8)
     * latents. Encodes the prompt and the masked image (VAE draw 0) now; the UNet runs at each call. The
     * request's strength is not used: the caller's loop chooses its start.
     *
     * @param scheduler the loop's scheduler (the conditions do not depend on it)
     */
    public NoisePredictor predictor(Request r, Scheduler scheduler) {
        check(r);
        return predictor(r, new Trace.Recorder(false)).model();
    }

    /** The predictor and its conditions, as in {@link Result}. */
    private record Conditioned(NoisePredictor model, Tensor mask, Tensor maskedImage, Tensor maskLatents,
                               Tensor maskedImageLatents) {
    }

    private Conditioned predictor(Request r, Trace.Recorder recorder) {
        Sampling s = r.sampling();
        int frames = r.image().dim(0);
        int h = r.image().dim(2) / models.vaeScaleFactor();
        int w = r.image().dim(3) / models.vaeScaleFactor();
        boolean guidance = s.classifierFreeGuidance();
        int copies = guidance ? 2 : 1;
        // Encode input prompt: (F, S, D) each
        PromptEmbeddings embeddings = PipelineSteps.encodePrompt(models, r.prompt(), frames, guidance);
        // Preprocess mask and image
        Tensor mask = Tensors.repeatBatch(binarize(r.mask()), frames / r.mask().dim(0));
        Tensor maskedImage = keepUnmasked(Tensors.normalize(r.image()), mask);
        // Prepare mask latent variables, repeated for the guidance batch
        Tensor maskLatents = Tensors.interpolateNearest(mask, h, w);
        Tensor maskedImageLatents = PipelineSteps.encodeSample(models.vae(), maskedImage, s, 0);
        Tensor extra = Tensors.concatChannels(List.of(Tensors.repeatBatch(maskLatents, copies),
                Tensors.repeatBatch(maskedImageLatents, copies)));
        Guidance.ConditionedModel unet = Guidance.withExtraChannels(
                recorder.firstInput(Batching.inChunks(Batching.unet(models.unet()), s.maxBatch())), extra);
        return new Conditioned(Guidance.classifierFree(unet, embeddings, s.guidanceScale()), mask, maskedImage,
                maskLatents, maskedImageLatents);
    }

    private void check(Request r) {
        PipelineSteps.checkSize(r.image().dim(2), r.image().dim(3), models.vaeScaleFactor());
    }

    /** Pure noise at strength 1; otherwise the image's latents noised to the first timestep of the run. */
    private Tensor prepareLatents(Sampling s, Scheduler scheduler, Tensor initImage, double strength, int startStep,
                                  int h, int w) {
        if (strength == 1.0) {
            return PipelineSteps.prepareLatents(s, scheduler, initImage.dim(0), models.latentChannels(), h, w);
        }
        Tensor imageLatents = PipelineSteps.encodeSample(models.vae(), initImage, s, 1);
        Tensor noise = s.noise().latents().draw(0, imageLatents.shape());
        return scheduler.addNoise(imageLatents, noise, scheduler.timesteps()[startStep]);
    }

    /** diffusers' mask_processor binarisation: 0 where < 0.5, else 1. */
    static Tensor binarize(Tensor mask) {
        float[] d = mask.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] < 0.5f ? 0f : 1f;
        }
        return new Tensor(mask.shape(), out);
    }

    /** {@code image * (mask < 0.5)}: the image with the repainted region zeroed; mask (F, 1, H, W) per pixel. */
    static Tensor keepUnmasked(Tensor image, Tensor mask) {
        int[] s = image.shape();
        int plane = s[2] * s[3];
        float[] x = image.data();
        float[] m = mask.data();
        float[] out = new float[x.length];
        for (int b = 0; b < s[0]; b++) {
            for (int c = 0; c < s[1]; c++) {
                for (int p = 0; p < plane; p++) {
                    int i = (b * s[1] + c) * plane + p;
                    out[i] = x[i] * (m[b * plane + p] < 0.5f ? 1f : 0f);
                }
            }
        }
        return new Tensor(s, out);
    }
}
