package org.bivdiff.bivdiff;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.bivdiff.graph.Engine;
import org.bivdiff.io.Spellings;
import org.bivdiff.models.vae.AutoencoderKLConfig;
import org.bivdiff.pipelines.ProgressListener;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.pipelines.Sampling;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.pipelines.p2p.AttentionEdit;
import org.bivdiff.pipelines.p2p.Prompt2PromptPipeline;
import org.bivdiff.tensor.Tensor;

/**
 * Prompt-to-Prompt as BIVDiff's frame generator for video editing (inference.py with
 * {@code Model.idm = Prompt2Prompt}, then models/Prompt2Prompt/infer.py): the source frames are
 * VAE-encoded and DDIM-inverted with the image UNet alone (stage 2's image branch, mixing ratio 1),
 * each frame's inverted latents are duplicated for the source and the edited prompt, and
 * {@link Prompt2PromptPipeline} edits the frames one by one. The edited images are the frames.
 *
 * <p>As in the reference the inversion sees the empty prompt, not the source prompt (inference.py
 * notes it "should" invert with the prompt, and keeps the empty one because it looks fine).
 */
public final class Prompt2PromptFrames implements FrameGenerator {

    /** Where each frame's edit starts from. */
    public enum Start {
        /** the frame's DDIM-inverted latents, for source and edited prompt alike: BIVDiff's video editing */
        INVERTED_SOURCE,
        /** one seeded latent shared by both prompts, Prompt-to-Prompt's own text-to-image (the source is unused) */
        NOISE
    }

    /**
     * The edit.
     *
     * @param editedPrompt      the prompt the frames are edited to; the frame prompt is the source prompt
     * @param type              replace (same word count) or refine (added words)
     * @param crossReplaceSteps fraction of the steps with the source's cross-attention (0.4 in the reference)
     * @param selfReplaceSteps  fraction of the steps with the source's self-attention (0.4 in the reference)
     * @param localBlend        the source's and the edited prompt's blend word, with a threshold, or empty
     * @param start             where each frame starts from
     * @param sourceFrames      receives the source prompt's frames of each batch too (in [-1, 1], 8 bits), or empty
     */
    public record Edit(String editedPrompt, AttentionEdit.Type type, double crossReplaceSteps, double selfReplaceSteps,
                       Optional<Prompt2PromptPipeline.Blend> localBlend, Start start,
                       Optional<BatchSink> sourceFrames) {

        public Edit {
            Objects.requireNonNull(editedPrompt, "editedPrompt");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(localBlend, "localBlend");
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(sourceFrames, "sourceFrames");
        }

        /**
         * As BIVDiff's infer.py runs it: from the inverted source, {@link Prompt2PromptPipeline#DEFAULT_REPLACE_STEPS}
         * for both replacements.
         */
        public static Edit of(String editedPrompt, AttentionEdit.Type type, Optional<Prompt2PromptPipeline.Blend> blend) {
            return new Edit(editedPrompt, type, Prompt2PromptPipeline.DEFAULT_REPLACE_STEPS,
                    Prompt2PromptPipeline.DEFAULT_REPLACE_STEPS, blend, Start.INVERTED_SOURCE, Optional.empty());
        }
    }

    private final Path stableDiffusion;
    private final Edit edit;
    private final Engine engine;

    /**
     * @param stableDiffusion a Stable Diffusion pipeline folder: the image model of the inversion and of the edit
     */
    public Prompt2PromptFrames(Path stableDiffusion, Edit edit, Engine engine) {
        this.stableDiffusion = Objects.requireNonNull(stableDiffusion, "stableDiffusion");
        this.edit = Objects.requireNonNull(edit, "edit");
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public String describe() {
        return "Prompt-to-Prompt (" + Spellings.lower(edit.type()) + ") "
                + stableDiffusion.getFileName();
    }

    @Override
    public Tensor generate(Inputs inputs, Settings settings) throws IOException {
        Tensor[] frames = new Tensor[1];
        generate(inputs, settings, List.of(new FrameRange(0, inputs.source().dim(0))), (batch, f) -> frames[0] = f);
        return frames[0];
    }

    /**
     * The batches with the Stable Diffusion models loaded once; each batch is inverted on its own, so the inflated
     * UNet's GroupNorms span the frames of the batch, where the reference's span the video.
     */
    @Override
    public void generate(Inputs inputs, Settings settings, List<FrameRange> batches, BatchSink sink)
            throws IOException {
        if (batches.isEmpty()) {
            return;
        }
        Tensor source = inputs.source();                                              // (F, 3, H, W)
        int frames = source.dim(0);
        // Sessions open on first use: loading here only reads configs and weight headers.
        try (StableDiffusionModels sd = StableDiffusionModels.load(stableDiffusion, engine);
             Prompt2PromptPipeline pipeline = new Prompt2PromptPipeline(sd)) {
            // 1. Check the edit (prompt alignment, blend words) before minutes of inversion
            pipeline.check(request(sd, source.dim(2), source.dim(3), settings, Optional.empty(), 0, frames));
            for (FrameRange batch : batches) {
                sink.accept(batch, edit(sd, pipeline, inputs.rows(batch).source(), settings.forBatch(batch, frames),
                        batch.from(), frames));
            }
        }
    }

    /**
     * Steps 2 and 3 for the frames {@code source} (F', 3, H, W), the first being frame {@code first} of
     * {@code frames}: inversion, then the edit frame by frame.
     *
     * @return (F', 3, H, W) in [-1, 1], rounded to 8 bits
     */
    private Tensor edit(StableDiffusionModels sd, Prompt2PromptPipeline pipeline, Tensor source, Settings settings,
                        int first, int frames) throws IOException {
        // 2. Encode and invert the source frames with the image model alone (mixing ratio 1)
        Tensor inverted = edit.start() == Start.NOISE ? null
                : VideoLatents.toFrames(invert(source, settings));                    // (F', 4, h, w)
        // 3. Edit frame by frame from [z_f, z_f], as infer.py does
        List<Tensor> sources = new ArrayList<>();
        List<Tensor> edited = new ArrayList<>();
        for (int i = 0; i < source.dim(0); i++) {
            int f = first + i;
            settings.events().cancellation().check("Prompt-to-Prompt, frame " + (f + 1) + "/" + frames);
            Optional<Tensor> pair = Optional.empty();
            Settings frame = settings;
            if (inverted != null) {
                Tensor z = inverted.slice0(i, i + 1);                                    // (1, 4, h, w)
                pair = Optional.of(Tensor.concat0(List.of(z, z)));                       // (2, 4, h, w)
            } else {
                frame = settings.row(i);                                                 // the frame's own draw
            }
            Tensor images = pipeline.run(request(sd, source.dim(2), source.dim(3), frame, pair, f, frames))
                    .images().image();                                                   // (2, 3, H, W): source, edited
            sources.add(images.slice0(0, 1));
            edited.add(images.slice0(1, 2));
        }
        if (edit.sourceFrames().isPresent()) {
            edit.sourceFrames().get().accept(new FrameRange(first, first + source.dim(0)),
                    FrameGenerator.toEightBitSigned(Tensor.concat0(sources)));
        }
        return FrameGenerator.toEightBitSigned(Tensor.concat0(edited));
    }

    /** Loads the image model and checks the edit for frames of {@code height x width}: what generate does first. */
    @Override
    public Footprint check(int frames, int height, int width, Settings settings) throws IOException {
        try (StableDiffusionModels sd = StableDiffusionModels.load(stableDiffusion, engine);
             Prompt2PromptPipeline pipeline = new Prompt2PromptPipeline(sd)) {
            pipeline.check(request(sd, height, width, settings, Optional.empty(), 0, frames));
        }
        return ImageModels.pipeline(stableDiffusion).footprint();
    }

    private Prompt2PromptPipeline.Request request(StableDiffusionModels sd, int height, int width, Settings settings,
                                                  Optional<Tensor> latents, int frame, int frames) throws IOException {
        Sampling sampling = settings.sampling(stableDiffusion, sd.scheduler()).withEvents(
                RunEvents.of(labelled(settings.events().progress(), frame, frames), settings.events().cancellation()));
        return new Prompt2PromptPipeline.Request(settings.prompt().prompt(), edit.editedPrompt(),
                settings.prompt().negativePrompt(), edit.type(), edit.crossReplaceSteps(), edit.selfReplaceSteps(),
                edit.localBlend(), latents, height, width, sampling);
    }

    private Tensor invert(Tensor source, Settings settings) throws IOException {
        var models = InversionAndSmoothing.Models.ofPipelines(stableDiffusion, null);
        int[] latentShape = AutoencoderKLConfig.read(models.vae()).latentShape(source.dim(0), source.dim(2),
                source.dim(3));
        var request = InversionAndSmoothing.Request.of(source, settings.noise().vae().draw(0, latentShape),
                source.dim(0), settings.prompt().prompt(), Optional.empty(), settings.steps(),
                settings.guidanceScale(), MixingRatio.IMAGE_ONLY).withEvents(settings.events());
        return new InversionAndSmoothing(models, engine).invertWithImageModel(request);
    }

    /** Each frame's events under its own stage name, so that progress restarts visibly per frame. */
    private static ProgressListener labelled(ProgressListener listener, int frame, int frames) {
        String stage = "prompt-to-prompt " + (frame + 1) + "/" + frames;
        return p -> listener.onStep(new ProgressListener.Progress(stage, p.step(), p.total(), p.timestep(),
                p.elapsed()));
    }
}
