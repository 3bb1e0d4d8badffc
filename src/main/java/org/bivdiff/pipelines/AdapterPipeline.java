package org.bivdiff.pipelines;

import java.util.List;
import java.util.Objects;

import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/** Port of diffusers 0.23 StableDiffusionAdapterPipeline (one full T2I-Adapter), F frames at once. */
public final class AdapterPipeline {

    /**
     * @param prompt                   the texts
     * @param adapterImage             (F, in_channels, height, width) in [0, 1] (1 channel for the canny adapter)
     * @param adapterConditioningScale multiplies every adapter feature
     * @param height                   output height in pixels
     * @param width                    output width in pixels
     * @param sampling                 scheduler, steps, guidance, noise
     */
    public record Request(Prompt prompt, Tensor adapterImage, double adapterConditioningScale, int height, int width,
                          Sampling sampling) {

        public Request {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(adapterImage, "adapterImage");
            Objects.requireNonNull(sampling, "sampling");
            if (!Double.isFinite(adapterConditioningScale)) {
                throw new IllegalArgumentException("adapter_conditioning_scale must be finite");
            }
        }
    }

    private final StableDiffusionModels models;
    private final T2IAdapter adapter;

    /** Checks that the UNet is a plain one and the adapter belongs to its base model. */
    public AdapterPipeline(StableDiffusionModels models, T2IAdapter adapter) {
        this.models = Objects.requireNonNull(models, "models");
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        PipelineSteps.checkUNetChannels(models.unet(), models.latentChannels(), "T2I-Adapter");
        ModelFamilies.checkAdapter(models.unet(), adapter);
    }

    public ImageResult run(Request r) {
        // 1. Check inputs
        int frames = check(r);
        Sampling s = r.sampling();
        int f = models.vaeScaleFactor();
        // 2. Prepare timesteps
        Scheduler scheduler = s.buildScheduler();
        adapter.prefetch();
        PipelineSteps.prefetch(models, UNet2DConditionModel.Conditioning.ADAPTER);
        // 3. Encode input prompt, run the adapter, wrap the UNet with its features and guidance
        Trace.Recorder recorder = new Trace.Recorder(s.trace());
        NoisePredictor model = predictor(r, frames, recorder);
        // 4. Prepare latent variables
        Tensor latents = PipelineSteps.prepareLatents(s, scheduler, frames, models.latentChannels(),
                r.height() / f, r.width() / f);
        // 5. Denoising loop
        latents = PipelineSteps.denoise(s, scheduler, latents, model, 0, recorder, "t2i-adapter");
        // 6. Decode and postprocess
        return PipelineSteps.finish(models, latents, recorder);
    }

    /**
     * The guided noise predictor {@link #run} denoises with, for a loop of the caller's: the UNet with the
     * adapter's features and classifier-free guidance, over (F, 4, height / 8, width / 8) latents. Encodes the
     * prompt and runs the adapter now; the UNet runs at each call.
     *
     * @param scheduler the loop's scheduler (the adapter's features do not depend on it)
     */
    public NoisePredictor predictor(Request r, Scheduler scheduler) {
        return predictor(r, check(r), new Trace.Recorder(false));
    }

    private NoisePredictor predictor(Request r, int frames, Trace.Recorder recorder) {
        Sampling s = r.sampling();
        boolean guidance = s.classifierFreeGuidance();
        // Encode input prompt: (F, S, D) each
        PromptEmbeddings embeddings = PipelineSteps.encodePrompt(models, r.prompt(), frames, guidance);
        // Adapter features, once, scaled and repeated for the guidance batch
        List<Tensor> features = AdapterGuidance.features(adapter, r.adapterImage(), r.adapterConditioningScale(),
                guidance ? 2 : 1);
        return Guidance.classifierFree(recorder.firstInput(Batching.inChunksByRow(
                AdapterGuidance.fromRow(models.unet(), features), s.maxBatch())), embeddings, s.guidanceScale());
    }

    /** Validates sizes and channels; returns F. */
    private int check(Request r) {
        PipelineSteps.checkSize(r.height(), r.width(), models.vaeScaleFactor());
        PipelineSteps.checkImage("adapter image", r.adapterImage(), adapter.config().inChannels(), r.height(),
                r.width());
        return r.adapterImage().dim(0);
    }
}
