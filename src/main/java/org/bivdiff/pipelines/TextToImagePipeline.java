package org.bivdiff.pipelines;

import java.util.Objects;

import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/** Port of diffusers 0.23 StableDiffusionPipeline (text to image), for F images of one prompt at once. */
public final class TextToImagePipeline {

    /**
     * @param prompt    the texts
     * @param numImages F, images of the prompt made together (a video's frames)
     * @param height    output height in pixels
     * @param width     output width in pixels
     * @param sampling  scheduler, steps, guidance, noise
     */
    public record Request(Prompt prompt, int numImages, int height, int width, Sampling sampling) {

        public Request {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(sampling, "sampling");
            if (numImages < 1) {
                throw new IllegalArgumentException("numImages must be >= 1, got " + numImages);
            }
        }
    }

    private final StableDiffusionModels models;

    public TextToImagePipeline(StableDiffusionModels models) {
        this.models = Objects.requireNonNull(models, "models");
    }

    public ImageResult run(Request r) {
        // 1. Check inputs
        PipelineSteps.checkSize(r.height(), r.width(), models.vaeScaleFactor());
        PipelineSteps.checkUNetChannels(models.unet(), models.latentChannels(), "text-to-image");
        Sampling s = r.sampling();
        int f = models.vaeScaleFactor();
        PipelineSteps.prefetch(models, UNet2DConditionModel.Conditioning.NONE);
        // 2. Encode input prompt
        PromptEmbeddings embeddings = PipelineSteps.encodePrompt(models, r.prompt(), r.numImages(),
                s.classifierFreeGuidance());
        // 3. Prepare timesteps
        Scheduler scheduler = s.buildScheduler();
        // 4. Prepare latent variables
        Tensor latents = PipelineSteps.prepareLatents(s, scheduler, r.numImages(), models.latentChannels(),
                r.height() / f, r.width() / f);
        // 5. Denoising loop
        Trace.Recorder recorder = new Trace.Recorder(s.trace());
        NoisePredictor model = Guidance.classifierFree(
                recorder.firstInput(Batching.inChunks(Batching.unet(models.unet()), s.maxBatch())), embeddings,
                s.guidanceScale());
        latents = PipelineSteps.denoise(s, scheduler, latents, model, 0, recorder, "text-to-image");
        // 6. Decode and postprocess
        return PipelineSteps.finish(models, latents, recorder);
    }
}
