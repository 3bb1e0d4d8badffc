package org.bivdiff.pipelines;

import java.util.Objects;

import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 StableDiffusionImg2ImgPipeline: each input image is encoded, noised to the timestep
 * the strength selects, and denoised from there.
 */
public final class ImageToImagePipeline {

    /**
     * @param prompt   the texts
     * @param image    (F, 3, H, W) in [0, 1]
     * @param strength in [0, 1]: how much of the schedule to run (1 = from pure noise)
     * @param sampling scheduler, steps, guidance, noise (VAE draw 0: the image posterior; latents draw 0: the
     *                 noise added to it)
     */
    public record Request(Prompt prompt, Tensor image, double strength, Sampling sampling) {

        public Request {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(sampling, "sampling");
            PipelineSteps.checkStrength(strength);
        }
    }

    private final StableDiffusionModels models;

    public ImageToImagePipeline(StableDiffusionModels models) {
        this.models = Objects.requireNonNull(models, "models");
    }

    public ImageResult run(Request r) {
        // 1. Check inputs
        Tensor image = r.image();
        int frames = image.dim(0);
        PipelineSteps.checkSize(image.dim(2), image.dim(3), models.vaeScaleFactor());
        PipelineSteps.checkImage("image", image, 3, image.dim(2), image.dim(3));
        PipelineSteps.checkUNetChannels(models.unet(), models.latentChannels(), "image-to-image");
        Sampling s = r.sampling();
        int startStep = PipelineSteps.startStep(s.numInferenceSteps(), r.strength());
        PipelineSteps.prefetch(models, UNet2DConditionModel.Conditioning.NONE);
        // 2. Encode input prompt
        PromptEmbeddings embeddings = PipelineSteps.encodePrompt(models, r.prompt(), frames,
                s.classifierFreeGuidance());
        // 3. Preprocess image
        Tensor signed = Tensors.normalize(image);
        // 4. Prepare timesteps
        Scheduler scheduler = s.buildScheduler();
        double latentTimestep = scheduler.timesteps()[startStep];
        // 5. Prepare latent variables: the image latents noised to the first timestep
        Tensor initLatents = PipelineSteps.encodeSample(models.vae(), signed, s, 0);
        Tensor noise = s.noise().latents().draw(0, initLatents.shape());
        Tensor latents = scheduler.addNoise(initLatents, noise, latentTimestep);
        // 6. Denoising loop
        Trace.Recorder recorder = new Trace.Recorder(s.trace());
        NoisePredictor model = Guidance.classifierFree(
                recorder.firstInput(Batching.inChunks(Batching.unet(models.unet()), s.maxBatch())), embeddings,
                s.guidanceScale());
        latents = PipelineSteps.denoise(s, scheduler, latents, model, startStep, recorder, "image-to-image");
        // 7. Decode and postprocess
        return PipelineSteps.finish(models, latents, recorder);
    }
}
