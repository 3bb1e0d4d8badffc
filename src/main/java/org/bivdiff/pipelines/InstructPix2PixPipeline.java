package org.bivdiff.pipelines;

import java.util.List;
import java.util.Objects;

import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 StableDiffusionInstructPix2PixPipeline: an 8-channel UNet sees the latents and the
 * input image's latents (VAE posterior mode, not scaled), guided by text and by image
 * ({@link InstructPix2PixGuidance}). The output has the input's size.
 */
public final class InstructPix2PixPipeline {

    /**
     * @param prompt             the edit instruction
     * @param image              (F, 3, H, W) in [0, 1], the images to edit
     * @param imageGuidanceScale image guidance >= 0 (diffusers' {@code image_guidance_scale})
     * @param sampling           scheduler, steps, text guidance, noise
     */
    public record Request(Prompt prompt, Tensor image, double imageGuidanceScale, Sampling sampling) {

        public Request {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(sampling, "sampling");
            if (!(imageGuidanceScale >= 0) || Double.isInfinite(imageGuidanceScale)) {
                throw new IllegalArgumentException("image_guidance_scale must be a finite number >= 0, got "
                        + imageGuidanceScale);
            }
        }
    }

    /**
     * @param images            the generated images
     * @param imagePreprocessed (F, 3, H, W) the input in [-1, 1]
     * @param imageLatents      (F, 4, h, w) {@code vae.encode(imagePreprocessed).latent_dist.mode()}
     */
    public record Result(ImageResult images, Tensor imagePreprocessed, Tensor imageLatents) {
    }

    private final StableDiffusionModels models;

    /** Checks that the UNet is an InstructPix2Pix one (the image latents as extra input channels). */
    public InstructPix2PixPipeline(StableDiffusionModels models) {
        this.models = Objects.requireNonNull(models, "models");
        PipelineSteps.checkUNetChannels(models.unet(), 2 * models.latentChannels(), "InstructPix2Pix");
    }

    public Result run(Request r) {
        // 1. Check inputs
        check(r);
        Sampling s = r.sampling();
        PipelineSteps.prefetch(models, UNet2DConditionModel.Conditioning.NONE);
        // 2. Prepare timesteps
        Scheduler scheduler = s.buildScheduler();
        // 3. Encode input prompt and image, wrap the UNet with the image latents and dual guidance
        Trace.Recorder recorder = new Trace.Recorder(s.trace());
        Conditioned c = predictor(r, scheduler, recorder);
        // 4. Prepare latent variables
        Tensor latents = PipelineSteps.prepareLatents(s, scheduler, r.image().dim(0), models.latentChannels(),
                c.imageLatents().dim(2), c.imageLatents().dim(3));
        // 5. Denoising loop
        latents = PipelineSteps.denoise(s, scheduler, latents, c.model(), 0, recorder, "instruct-pix2pix");
        // 6. Decode and postprocess
        return new Result(PipelineSteps.finish(models, latents, recorder), c.preprocessed(), c.imageLatents());
    }

    /**
     * The guided noise predictor {@link #run} denoises with, for a loop of the caller's: the 8-channel UNet
     * with the input's image latents appended and text + image guidance, over (F, 4, H / 8, W / 8) latents.
     * Encodes the prompt and the image now; the UNet runs at each call. It is a
     * {@link NoisePredictor} that needs the unscaled latents: call its three-argument form.
     *
     * @param scheduler the loop's scheduler (in sigma space the pipeline's hack applies)
     */
    public NoisePredictor predictor(Request r, Scheduler scheduler) {
        check(r);
        return predictor(r, scheduler, new Trace.Recorder(false)).model();
    }

    /** The predictor and what it was built from: the input in [-1, 1] and its (F, 4, h, w) latents. */
    private record Conditioned(InstructPix2PixGuidance model, Tensor preprocessed, Tensor imageLatents) {
    }

    private Conditioned predictor(Request r, Scheduler scheduler, Trace.Recorder recorder) {
        Sampling s = r.sampling();
        boolean guided = InstructPix2PixGuidance.guided(s.guidanceScale(), r.imageGuidanceScale());
        // Encode input prompt: [positive; negative; negative]
        PromptEmbeddings embeddings = PipelineSteps.encodePrompt(models, r.prompt(), r.image().dim(0), guided);
        // Preprocess image
        Tensor preprocessed = Tensors.normalize(r.image());
        // Prepare image latents: the posterior mode, [image; image; zeros] with guidance
        Tensor imageLatents = models.vae().encode(preprocessed).mode();
        Tensor batchedImageLatents = guided
                ? Tensor.concat0(List.of(imageLatents, imageLatents, Tensor.zeros(imageLatents.shape())))
                : imageLatents;
        Guidance.ConditionedModel unet = Guidance.withExtraChannels(
                recorder.firstInput(Batching.inChunks(Batching.unet(models.unet()), s.maxBatch())),
                batchedImageLatents);
        var model = new InstructPix2PixGuidance(unet, InstructPix2PixGuidance.states(embeddings, guided),
                s.guidanceScale(), r.imageGuidanceScale(), scheduler);
        return new Conditioned(model, preprocessed, imageLatents);
    }

    private void check(Request r) {
        Tensor image = r.image();
        PipelineSteps.checkImage("image", image, 3, image.dim(2), image.dim(3));
        PipelineSteps.checkSize(image.dim(2), image.dim(3), models.vaeScaleFactor());
    }
}
