package org.bivdiff.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.Objects;

import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers 0.23 StableDiffusionControlNetPipeline (guess mode off), one or several ControlNets, F frames
 * at once: frames x guidance branches go through each UNet call together.
 */
public final class ControlNetPipeline {

    /**
     * @param prompt   the texts
     * @param controls one per ControlNet of the pipeline, images (F, C, height, width) in [0, 1]
     * @param height   output height in pixels
     * @param width    output width in pixels
     * @param sampling scheduler, steps, guidance, noise
     */
    public record Request(Prompt prompt, List<ControlImage> controls, int height, int width, Sampling sampling) {

        public Request {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(sampling, "sampling");
            controls = List.copyOf(controls);
            if (controls.isEmpty()) {
                throw new IllegalArgumentException("a ControlNet run needs at least one control image");
            }
        }
    }

    private final StableDiffusionModels models;
    private final List<ControlNetModel> controlNets;

    /** Checks that the UNet is a plain one and every ControlNet belongs to its base model. */
    public ControlNetPipeline(StableDiffusionModels models, List<ControlNetModel> controlNets) {
        this.models = Objects.requireNonNull(models, "models");
        this.controlNets = List.copyOf(controlNets);
        PipelineSteps.checkUNetChannels(models.unet(), models.latentChannels(), "ControlNet");
        for (int i = 0; i < this.controlNets.size(); i++) {
            ModelFamilies.checkControlNet(models.unet(), this.controlNets.get(i), i);
        }
    }

    public ImageResult run(Request r) {
        // 1. Check inputs
        int frames = check(r);
        Sampling s = r.sampling();
        int f = models.vaeScaleFactor();
        // 2. Prepare timesteps
        Scheduler scheduler = s.buildScheduler();
        controlNets.forEach(ControlNetModel::prefetch);
        PipelineSteps.prefetch(models, UNet2DConditionModel.Conditioning.CONTROLNET);
        // 3. Encode input prompt, batch the control images, wrap the UNet with residuals and guidance
        Trace.Recorder recorder = new Trace.Recorder(s.trace());
        NoisePredictor model = predictor(r, frames, scheduler, recorder);
        // 4. Prepare latent variables
        Tensor latents = PipelineSteps.prepareLatents(s, scheduler, frames, models.latentChannels(),
                r.height() / f, r.width() / f);
        // 5. Denoising loop
        latents = PipelineSteps.denoise(s, scheduler, latents, model, 0, recorder, "controlnet");
        // 6. Decode and postprocess
        return PipelineSteps.finish(models, latents, recorder);
    }

    /**
     * The guided noise predictor {@link #run} denoises with, for a loop of the caller's: the UNet with every
     * ControlNet's residuals and classifier-free guidance, over (F, 4, height / 8, width / 8) latents.
     * Encodes the prompt now; the networks run at each call.
     *
     * @param scheduler the loop's scheduler: its timesteps place each ControlNet's guidance window
     */
    public NoisePredictor predictor(Request r, Scheduler scheduler) {
        return predictor(r, check(r), scheduler, new Trace.Recorder(false));
    }

    private NoisePredictor predictor(Request r, int frames, Scheduler scheduler, Trace.Recorder recorder) {
        Sampling s = r.sampling();
        boolean guidance = s.classifierFreeGuidance();
        // Encode input prompt: (F, S, D) each
        PromptEmbeddings embeddings = PipelineSteps.encodePrompt(models, r.prompt(), frames, guidance);
        // The control images for the guidance batch: cat([image] * 2)
        List<ControlImage> batched = new ArrayList<>();
        for (ControlImage c : r.controls()) {
            batched.add(new ControlImage(Tensors.repeatBatch(c.image(), guidance ? 2 : 1), c.conditioningScale(),
                    c.guidanceStart(), c.guidanceEnd()));
        }
        IntFunction<Guidance.ConditionedModel> unet = ControlNetGuidance.fromRow(models.unet(), controlNets, batched,
                scheduler.timesteps());
        return Guidance.classifierFree(recorder.firstInput(Batching.inChunksByRow(unet, s.maxBatch())), embeddings,
                s.guidanceScale());
    }

    /** Validates sizes and counts; returns F. */
    private int check(Request r) {
        PipelineSteps.checkSize(r.height(), r.width(), models.vaeScaleFactor());
        if (r.controls().size() != controlNets.size()) {
            throw new IllegalArgumentException("the pipeline has " + controlNets.size() + " ControlNets but the "
                    + "request gives " + r.controls().size() + " control images");
        }
        int frames = r.controls().getFirst().image().dim(0);
        for (int i = 0; i < controlNets.size(); i++) {
            PipelineSteps.checkImage("control image " + i, r.controls().get(i).image(),
                    controlNets.get(i).config().conditioningChannels(), r.height(), r.width());
            if (r.controls().get(i).image().dim(0) != frames) {
                throw new IllegalArgumentException("control images disagree on the number of frames");
            }
        }
        return frames;
    }
}
