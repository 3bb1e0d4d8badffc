package org.bivdiff.pipelines.p2p;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.bivdiff.models.unet2d.AttentionControlUNet;
import org.bivdiff.models.unet2d.AttentionLayer;
import org.bivdiff.pipelines.DenoisingLoop;
import org.bivdiff.pipelines.Guidance;
import org.bivdiff.pipelines.ImageResult;
import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.pipelines.PipelineSteps;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.PromptEmbeddings;
import org.bivdiff.pipelines.Sampling;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.pipelines.Tensors;
import org.bivdiff.pipelines.Trace;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/**
 * Port of BIVDiff models/Prompt2Prompt/pipeline_prompt2prompt.py::Prompt2PromptPipeline (on diffusers 0.23's
 * StableDiffusionPipeline) as models/Prompt2Prompt/infer.py calls it: a source and an edited prompt denoised
 * together from the same latents, the edited prompt's attention replaced by the source's
 * ({@link AttentionEdit}), optionally blended back to the source outside the edited words' region
 * ({@link LocalBlend}) after each step.
 */
public final class Prompt2PromptPipeline implements AutoCloseable {

    /**
     * {@code create_controller}'s default fraction of the steps for both replacements; BIVDiff's infer.py passes
     * keys it ignores, so this is what the reference runs with.
     */
    public static final double DEFAULT_REPLACE_STEPS = 0.4;

    /**
     * @param source            the source prompt
     * @param edited            the edited prompt
     * @param negativePrompt    for both prompts ({@code ""} = the empty text)
     * @param type              replace or refine
     * @param crossReplaceSteps {@code n_cross_replace} (0.4 in the reference)
     * @param selfReplaceSteps  {@code n_self_replace} (0.4 in the reference)
     * @param localBlend        the blend words and threshold, or empty for no blending
     * @param latents           (2, 4, h, w) initial latents for [source, edited], before {@code init_noise_sigma};
     *                          empty to draw one (1, 4, h, w) latent and share it, as infer.py does
     * @param height            output height in pixels
     * @param width             output width in pixels
     * @param sampling          scheduler, steps, guidance (must be > 1), noise
     */
    public record Request(String source, String edited, String negativePrompt, AttentionEdit.Type type,
                          double crossReplaceSteps, double selfReplaceSteps, Optional<Blend> localBlend,
                          Optional<Tensor> latents, int height, int width, Sampling sampling) {

        public Request {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(edited, "edited");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(localBlend, "localBlend");
            Objects.requireNonNull(latents, "latents");
            Objects.requireNonNull(sampling, "sampling");
            negativePrompt = negativePrompt == null ? "" : negativePrompt;
            if (!sampling.classifierFreeGuidance()) {
                throw new IllegalArgumentException("Prompt-to-Prompt edits the conditional half of a guidance batch;"
                        + " it needs guidance_scale > 1, got " + sampling.guidanceScale());
            }
        }
    }

    /**
     * @param words     the source's and the edited prompt's blend word ({@code local_blend_words})
     * @param threshold a normalised map value above it is in the edited region
     */
    public record Blend(List<String> words, double threshold) {

        /** LocalBlend's default threshold. */
        public static final double DEFAULT_THRESHOLD = 0.3;

        public Blend {
            words = List.copyOf(words);
        }
    }

    /**
     * @param images the two images and latents, index 0 the source prompt, 1 the edited one
     * @param edit   the controller's tables
     * @param blend  the LocalBlend, if any
     * @param blends per step, what the blend did (empty without LocalBlend)
     * @param preBlendLatents per step, the scheduler's output before the blend (empty without LocalBlend)
     */
    public record Result(ImageResult images, AttentionEdit edit, Optional<LocalBlend> blend,
                         List<LocalBlend.Step> blends, List<Tensor> preBlendLatents) {

        public Result {
            blends = List.copyOf(blends);
            preBlendLatents = List.copyOf(preBlendLatents);
        }
    }

    private final StableDiffusionModels models;
    /** Held for the pipeline's life: every run at the same size reuses its session (one per frame otherwise). */
    private final AttentionControlUNet unet;

    public Prompt2PromptPipeline(StableDiffusionModels models) {
        this.models = Objects.requireNonNull(models, "models");
        this.unet = new AttentionControlUNet(models.unet());
    }

    /**
     * Checks a request without running a network: sizes, the prompts' alignment for the edit type, and the
     * blend words. {@link #run} does the same first; a caller with slow work before the edit checks early.
     *
     * @throws IllegalArgumentException naming what does not fit
     */
    public void check(Request r) {
        controller(r);
    }

    /** The controller's tables and the LocalBlend, after the request's inputs are checked. */
    private Controller controller(Request r) {
        PipelineSteps.checkSize(r.height(), r.width(), models.vaeScaleFactor());
        PipelineSteps.checkUNetChannels(models.unet(), models.latentChannels(), "Prompt-to-Prompt");
        int tokens = models.tokenizer().maxLength();
        AttentionEdit edit = AttentionEdit.create(models.tokenizer(), r.source(), r.edited(), r.type(),
                r.sampling().numInferenceSteps(), r.crossReplaceSteps(), r.selfReplaceSteps(), tokens);
        Optional<LocalBlend> blend = r.localBlend().map(b -> new LocalBlend(models.tokenizer(),
                List.of(r.source(), r.edited()), b.words(), b.threshold(), tokens));
        if (blend.isPresent()) {
            LocalBlend.checkLayout(unet.attentionLayers(r.height() / models.vaeScaleFactor(),
                    r.width() / models.vaeScaleFactor()));
        }
        return new Controller(edit, blend);
    }

    private record Controller(AttentionEdit edit, Optional<LocalBlend> blend) {
    }

    public Result run(Request r) {
        // 1. Check inputs, 2. create the controller
        Controller controller = controller(r);
        AttentionEdit edit = controller.edit();
        Optional<LocalBlend> blend = controller.blend();
        Sampling s = r.sampling();
        List<String> prompts = List.of(r.source(), r.edited());
        int h = r.height() / models.vaeScaleFactor();
        int w = r.width() / models.vaeScaleFactor();
        // 3. Encode input prompt: [uncond, uncond, source, edited]
        PromptEmbeddings embeddings = models.promptEncoder().encode(prompts,
                List.of(r.negativePrompt(), r.negativePrompt()), 1, true);
        // 4. Prepare timesteps
        Scheduler scheduler = s.buildScheduler();
        // 5. Prepare latent variables
        Tensor latents = Tensors.scale(initialLatents(r, s, h, w), scheduler.initNoiseSigma());
        // 6. Denoising loop, the controller counting UNet calls and blending after each step
        List<AttentionLayer> layers = unet.attentionLayers(h, w);
        List<Integer> blendLayers = blend.isPresent() ? LocalBlend.mapLayers(layers) : List.of();
        AttentionControlUNet.Plan plan = new AttentionControlUNet.Plan(h, w,
                AttentionEdit.selfReplacedLayers(layers), Set.copyOf(blendLayers));
        Controlled controlled = new Controlled(unet, plan, edit);
        Trace.Recorder recorder = new Trace.Recorder(s.trace());
        NoisePredictor model = Guidance.classifierFree(recorder.firstInput(controlled), embeddings,
                s.guidanceScale());
        List<LocalBlend.Step> blends = new ArrayList<>();
        List<Tensor> preBlend = new ArrayList<>();
        DenoisingLoop.StepCallback callback = blend.<DenoisingLoop.StepCallback>map(b -> (i, t, x) -> {
            preBlend.add(x);
            LocalBlend.Step step = b.apply(x, controlled.store().maps(blendLayers));
            blends.add(step);
            return step.latents();
        }).orElse(DenoisingLoop.StepCallback.NONE);
        latents = PipelineSteps.denoise(s, scheduler, latents, model, 0, recorder, "prompt-to-prompt", callback);
        // 7. Decode and postprocess
        return new Result(PipelineSteps.finish(models, latents, recorder), edit, blend, blends, preBlend);
    }

    /** Releases the attention-controlled UNet's sessions; the models stay with their owner. */
    @Override
    public void close() {
        unet.close();
    }

    /** The request's (2, C, h, w) latents, or draw 0 of the run's latent noise, (1, C, h, w), for both prompts. */
    private Tensor initialLatents(Request r, Sampling s, int h, int w) {
        int c = models.latentChannels();
        if (r.latents().isPresent()) {
            Tensor given = r.latents().get();
            PipelineSteps.checkImage("Prompt-to-Prompt latents", given, c, h, w);
            if (given.dim(0) != 2) {
                throw new IllegalArgumentException("Prompt-to-Prompt latents must have 2 rows (source, edited), got "
                        + given.dim(0));
            }
            return given;
        }
        Tensor one = s.noise().latents().draw(0, 1, c, h, w);
        return Tensor.concat0(List.of(one, one));
    }

    /**
     * The attention-controlled UNet as the guidance wrapper calls it: each call takes the controller's edit for
     * its index ({@code cur_step}) and adds the returned maps to the store.
     */
    private static final class Controlled implements Guidance.ConditionedModel {

        private final AttentionControlUNet unet;
        private final AttentionControlUNet.Plan plan;
        private final AttentionEdit edit;
        private final AttentionStore store = new AttentionStore();
        private int calls;

        Controlled(AttentionControlUNet unet, AttentionControlUNet.Plan plan, AttentionEdit edit) {
            this.unet = unet;
            this.plan = plan;
            this.edit = edit;
        }

        @Override
        public Tensor predict(Tensor sample, double timestep, Tensor encoderHiddenStates) {
            AttentionControlUNet.Output out = unet.forward(sample, Tensor.full((float) timestep, 1),
                    encoderHiddenStates, plan, edit.at(calls));
            store.add(out.attentionProbs());
            calls++;
            return out.sample();
        }

        AttentionStore store() {
            return store;
        }
    }
}
