package org.bivdiff.pipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.bivdiff.graph.Tensor;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.schedulers.NoisePredictor;
import org.bivdiff.schedulers.Scheduler;

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

    /** Checks that every ControlNet belongs to the UNet's base model. */
    public ControlNetPipeline(StableDiffusionModels models, List<ControlNetModel> controlNets) {
        this.models = Objects.requireNonNull(models, "models");
        this.controlNets = List.copyOf(controlNets);
        for (int i = 0; i < this.controlNets.size(); i++) {
            ModelFamilies.checkControlNet(models.unet(), this.controlNets.get(i), i);
        }
    }

    public ImageResult run(Request r) {
        // 1. Check inputs
        int frames = check(r);
        Sampling s = r.sampling();
        boolean guidance = s.classifierFreeGuidance();
        int f = models.vaeScaleFactor();
        // 2. Encode input prompt
        PromptEmbeddings embeddings = PipelineSteps.encodePrompt(models, r.prompt(), frames, guidance);
        // 3. Prepare the control images for the guidance batch: cat([image] * 2)
        List<ControlImage> batched = new ArrayList<>();
        for (ControlImage c : r.controls()) {
            batched.add(new ControlImage(Tensors.repeatBatch(c.image(), guidance ? 2 : 1), c.conditioningScale(),
                    c.guidanceStart(), c.guidanceEnd()));
        }
        // 4. Prepare timesteps
        Scheduler scheduler = s.buildScheduler();
        // 5. Prepare latent variables
        Tensor latents = PipelineSteps.prepareLatents(s, scheduler, frames, models.latentChannels(),
                r.height() / f, r.width() / f);
        // 6. Denoising loop
        Trace.Recorder recorder = new Trace.Recorder(s.trace());
        Batching.RowModel unet = ControlNetGuidance.rowModel(models.unet(), controlNets, batched,
                scheduler.timesteps());
        NoisePredictor model = Guidance.classifierFree(recorder.firstInput(Batching.inChunks(unet, s.maxBatch())),
                embeddings, s.guidanceScale());
        latents = PipelineSteps.denoise(s, scheduler, latents, model, 0, recorder, "controlnet");
        // 7. Decode and postprocess
        return PipelineSteps.finish(models, latents, recorder);
    }

    /** Validates sizes and counts; returns F. */
    private int check(Request r) {
        PipelineSteps.checkSize(r.height(), r.width(), models.vaeScaleFactor());
        PipelineSteps.checkUNetChannels(models.unet(), models.latentChannels(), "ControlNet");
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
