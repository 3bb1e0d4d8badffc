package org.bivdiff.pipelines;

import java.util.List;
import java.util.Objects;

import org.bivdiff.graph.Tensor;
import org.bivdiff.schedulers.Scheduler;

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

    public InstructPix2PixPipeline(StableDiffusionModels models) {
        this.models = Objects.requireNonNull(models, "models");
    }

    public Result run(Request r) {
        // 1. Check inputs
        Tensor image = r.image();
        PipelineSteps.checkImage("image", image, 3, image.dim(2), image.dim(3));
        PipelineSteps.checkSize(image.dim(2), image.dim(3), models.vaeScaleFactor());
        PipelineSteps.checkUNetChannels(models.unet(), 2 * models.latentChannels(), "InstructPix2Pix");
        Sampling s = r.sampling();
        int frames = image.dim(0);
        boolean guided = InstructPix2PixGuidance.guided(s.guidanceScale(), r.imageGuidanceScale());
        // 2. Encode input prompt: [positive; negative; negative]
        PromptEmbeddings embeddings = PipelineSteps.encodePrompt(models, r.prompt(), frames, guided);
        // 3. Preprocess image
        Tensor preprocessed = Tensors.normalize(image);
        // 4. Prepare timesteps
        Scheduler scheduler = s.buildScheduler();
        // 5. Prepare image latents: the posterior mode, [image; image; zeros] with guidance
        Tensor imageLatents = models.vae().encode(preprocessed).mode();
        Tensor batchedImageLatents = guided
                ? Tensor.concat0(List.of(imageLatents, imageLatents, Tensor.zeros(imageLatents.shape())))
                : imageLatents;
        // 6. Prepare latent variables
        Tensor latents = PipelineSteps.prepareLatents(s, scheduler, frames, models.latentChannels(),
                imageLatents.dim(2), imageLatents.dim(3));
        // 7. Denoising loop
        Trace.Recorder recorder = new Trace.Recorder(s.trace());
        Guidance.ConditionedModel unet = Guidance.withExtraChannels(
                recorder.firstInput(Batching.inChunks(Batching.unet(models.unet()), s.maxBatch())),
                batchedImageLatents);
        var model = new InstructPix2PixGuidance(unet, InstructPix2PixGuidance.states(embeddings, guided),
                s.guidanceScale(), r.imageGuidanceScale(), scheduler);
        latents = PipelineSteps.denoise(s, scheduler, latents, model, 0, recorder, "instruct-pix2pix");
        // 8. Decode and postprocess
        return new Result(PipelineSteps.finish(models, latents, recorder), preprocessed, imageLatents);
    }
}
