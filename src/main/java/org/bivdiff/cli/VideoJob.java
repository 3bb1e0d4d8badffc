package org.bivdiff.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;

import org.bivdiff.bivdiff.Bivdiff;
import org.bivdiff.bivdiff.BivdiffPipeline;
import org.bivdiff.bivdiff.ImageModelFrames;
import org.bivdiff.bivdiff.InversionAndSmoothing;
import org.bivdiff.bivdiff.LatentScaling;
import org.bivdiff.bivdiff.Preflight;
import org.bivdiff.bivdiff.Prompt2PromptFrames;
import org.bivdiff.bivdiff.Strategy;
import org.bivdiff.bivdiff.Task;
import org.bivdiff.bivdiff.TaskOptions;
import org.bivdiff.bivdiff.VideoModel;
import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.graph.Engine;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.media.VideoSampler;
import org.bivdiff.media.annotators.ConditionFrames;
import org.bivdiff.media.annotators.MidasDetector;
import org.bivdiff.models.adapter.T2IAdapterConfig;
import org.bivdiff.models.dpt.DptForDepthEstimation;
import org.bivdiff.pipelines.Cancellation;
import org.bivdiff.pipelines.ProgressListener;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.pipelines.RunNoise;
import org.bivdiff.pipelines.p2p.Prompt2PromptPipeline;
import org.bivdiff.schedulers.DdimInversion.InversionKind;
import org.bivdiff.tensor.Tensor;

/**
 * Turns a {@link RunConfig} into the pipeline's request: reads and samples the videos, computes the
 * conditions (Canny edges or depth) or masks, and sets up the run of the task catalogue ({@link Bivdiff}).
 * Everything here runs before the diffusion models load (only the depth network, when there is one), so a bad
 * input fails fast.
 */
final class VideoJob {

    /**
     * The prepared inputs of a run.
     *
     * @param source    (F, 3, H, W) in [-1, 1]
     * @param condition (F, C, H, W) in [0, 1], or null
     * @param masks     (F, 1, H, W) in [0, 1], or null
     * @param fps       the rate the written videos play at: the config's, else the sampled frames' rate in the source
     */
    record Prepared(Tensor source, Tensor condition, Tensor masks, double fps) {
    }

    /** The rate BIVDiff writes every video at, for sources that state none (folders of images). */
    static final double REFERENCE_FPS = 8;

    private VideoJob() {
    }

    /**
     * Reads the videos the config names and derives conditions (Canny edges, or depth with the config's depth
     * model, which is loaded and released here) and masks. With {@code video_length: all} the source gives every
     * frame {@code frame_rate} reaches (every frame when it is 0), and the other videos as many.
     */
    static Prepared prepare(RunConfig c, Engine engine, ProgressListener progress) throws IOException {
        VideoSampler.Plan plan = plan(c);
        int f = plan.frames();
        Tensor source = plan.read(c.clip().width(), c.clip().height());
        double fps = c.output().fps() > 0 ? c.output().fps() : plan.fps(REFERENCE_FPS);
        Tensor condition = null;
        Tensor masks = null;
        switch (c.task()) {
            case CONTROLNET, T2I_ADAPTER -> condition = c.inputs().conditionVideo() != null
                    ? ImageModelFrames.toUnit(read(c.inputs().conditionVideo(), c, f))
                    : annotate(c, source, engine, progress);
            case INPAINTING -> masks = firstChannel(ImageModelFrames.toUnit(read(c.inputs().maskVideo(), c, f)));
            default -> {
            }
        }
        return new Prepared(source, condition, masks, fps);
    }

    /**
     * What the run will do, for {@link Preflight} to check before anything is read or computed.
     *
     * @throws IOException when the Stable Diffusion folder's {@code model_index.json} cannot be read
     */
    static Preflight.Plan plan(RunConfig c, int maxBatch, Engine engine) throws IOException {
        InversionAndSmoothing.Models models = models(c);
        List<Preflight.Video> videos = new ArrayList<>();
        videos.add(c.task() == Task.FRAMES ? new Preflight.Video("frames", c.inputs().frames(), c.clip().frameRate())
                : new Preflight.Video("video", c.inputs().video(), c.clip().frameRate()));
        if (c.inputs().conditionVideo() != null && (c.task() == Task.CONTROLNET || c.task() == Task.T2I_ADAPTER)) {
            videos.add(new Preflight.Video("condition_video", c.inputs().conditionVideo(), c.clip().frameRate()));
        }
        if (c.task() == Task.INPAINTING) {
            videos.add(new Preflight.Video("mask_video", c.inputs().maskVideo(), c.clip().frameRate()));
        }
        List<Preflight.Text> texts = new ArrayList<>(List.of(
                new Preflight.Text("prompt", c.prompts().prompt() + c.prompts().promptSuffix(),
                        models.imageTokenizer()),
                new Preflight.Text("negative_prompt", c.prompts().negativePrompt(), models.imageTokenizer())));
        if (c.task() == Task.PROMPT2PROMPT) {
            texts.add(new Preflight.Text("edit.prompt", c.edit().prompt(), models.imageTokenizer()));
        }
        if (c.bridging().strategy() != Strategy.IDM_ONLY) {
            texts.add(new Preflight.Text("video_prompt", c.prompts().videoPrompt() + c.prompts().promptSuffix(),
                    models.requireVideo().tokenizer()));
        }
        Bivdiff run = bivdiff(c, maxBatch);
        return new Preflight.Plan(run.generator(engine), run.frameSettings(), models, c.bridging().strategy(), videos,
                texts, frames(c), c.clip().height(), c.clip().width(), c.window());
    }

    /**
     * The frames the run takes: {@code video_length}, or with {@code all} as many as the sampling reaches in the
     * probed source (1 when it cannot be probed: the preflight's check of the video then names the problem).
     */
    private static int frames(RunConfig c) {
        if (c.clip().videoLength() != RunConfig.ALL_FRAMES) {
            return c.clip().videoLength();
        }
        try {
            return plan(c).frames();
        } catch (IOException | IllegalArgumentException e) {
            return 1;
        }
    }

    /**
     * The run of {@code c} as the library's builder takes it: the task with its folders and options, prompts,
     * sampling and strategy. The inputs are set by {@link #request}.
     */
    private static Bivdiff bivdiff(RunConfig c, int maxBatch) {
        RunConfig.Models m = c.models();
        RunConfig.Edit e = c.edit();
        Optional<Prompt2PromptPipeline.Blend> blend = e.localBlendWords().isEmpty() ? Optional.empty()
                : Optional.of(new Prompt2PromptPipeline.Blend(e.localBlendWords(), e.localBlendThreshold()));
        TaskOptions options = c.task().defaultOptions().withImageGuidanceScale(c.sampling().imageGuidanceScale())
                .withDirection(c.inputs().maskType())
                .withEdit(Prompt2PromptFrames.Edit.of(e.prompt(), e.type(), blend));
        return Bivdiff.task(c.task()).stableDiffusion(m.stableDiffusion())
                .imageModels(c.task().imageModels(m.stableDiffusion(), m.controlNet(), m.t2iAdapter(),
                        m.instructPix2Pix(), m.inpainting()))
                .taskOptions(options).prompt(c.prompts().prompt()).videoPrompt(c.prompts().videoPrompt())
                .promptSuffix(c.prompts().promptSuffix()).negativePrompt(c.prompts().negativePrompt())
                .steps(c.sampling().steps()).guidanceScale(c.sampling().guidanceScale())
                .mixingRatio(c.bridging().mixingRatio()).seed(c.sampling().seed()).strategy(c.bridging().strategy())
                .options(new InversionAndSmoothing.Options(InversionKind.BIVDIFF_REVERSE_STEP,
                        c.bridging().inversionNorm(), LatentScaling.BIVDIFF_HARD_CODED, c.window()))
                .maxBatch(maxBatch);
    }

    /** The pipeline request for {@code c}. */
    static BivdiffPipeline.Request request(RunConfig c, Prepared p, Engine engine, int maxBatch,
                                           ProgressListener progress, Cancellation cancel) {
        return bivdiff(c, maxBatch).events(RunEvents.of(progress, cancel)).source(p.source()).condition(p.condition())
                .masks(p.masks()).request(engine);
    }

    /** The model folders of mixed inversion and smoothing: SD 1.5 as the image model, its VAE for both ends. */
    static InversionAndSmoothing.Models models(RunConfig c) throws IOException {
        return InversionAndSmoothing.Models.ofPipelines(c.models().stableDiffusion(),
                VideoModel.of(c.models().video(), c.models().vidrdCheckpoint()));
    }

    private static Tensor read(Path file, RunConfig c, int frames) throws IOException {
        return c.clip().frameRate() == 0 ? VideoSampler.readVideo(file, frames, c.clip().width(), c.clip().height())
                : VideoSampler.readVideo(file, frames, c.clip().width(), c.clip().height(), c.clip().frameRate());
    }

    /**
     * The condition computed from the source frames, handed to the annotator as {@code condition_input} says: Canny
     * edges (one channel for a single-channel T2I-Adapter, three otherwise) or MiDaS depth.
     */
    private static Tensor annotate(RunConfig c, Tensor source, Engine engine, ProgressListener progress)
            throws IOException {
        ConditionFrames.FrameInput input = c.inputs().conditionInput();
        Instant start = Instant.now();
        int total = source.dim(0);
        IntConsumer onFrame = n -> progress.onStep(new ProgressListener.Progress("depth", n, total, Double.NaN,
                Duration.between(start, Instant.now())));
        List<Image8> images = switch (c.inputs().condition()) {
            // edges take a fraction of a second: only the depth network reports progress
            case CANNY -> ConditionFrames.canny(source, input, c.task() == Task.T2I_ADAPTER
                    ? T2IAdapterConfig.read(c.models().t2iAdapter()).inChannels() : 3, n -> { });
            case DEPTH -> {
                try (DptForDepthEstimation dpt = DptForDepthEstimation.load(c.models().depth(), engine)) {
                    yield ConditionFrames.depth(source, input, new MidasDetector(dpt), onFrame);
                }
            }
            case OPENPOSE -> throw new IllegalStateException("openpose conditions are not computed here");
        };
        return ImageTensors.toUnit(images);
    }

    /** (F, C, H, W) -> (F, 1, H, W): the first channel of grey masks. */
    private static Tensor firstChannel(Tensor x) {
        int[] s = x.shape();
        int plane = s[2] * s[3];
        float[] out = new float[s[0] * plane];
        for (int i = 0; i < s[0]; i++) {
            System.arraycopy(x.data(), i * s[1] * plane, out, i * plane, plane);
        }
        return Tensor.of(out, s[0], 1, s[2], s[3]);
    }

    /** How the source (or {@code frames}) is sampled. */
    private static VideoSampler.Plan plan(RunConfig c) throws IOException {
        return VideoSampler.plan(c.task() == Task.FRAMES ? c.inputs().frames() : c.inputs().video(),
                c.clip().videoLength(), c.clip().frameRate());
    }
}
