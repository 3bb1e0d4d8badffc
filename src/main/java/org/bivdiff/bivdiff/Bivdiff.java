package org.bivdiff.bivdiff;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

import org.bivdiff.graph.Engine;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.tensor.Tensor;

/**
 * BIVDiff in a few lines: a task of the {@link Task} catalogue, its models and inputs, every other setting at the
 * reference's default (the paper's mixing ratio and the task's prompt suffix and negative prompt among them).
 * <pre>{@code
 * BivdiffPipeline.Result r = Bivdiff.task(Task.CONTROLNET)
 *         .stableDiffusion(sd).network(controlNet).video(zeroscope)
 *         .prompt("a red car on a snowy road")
 *         .source(frames).condition(edges)
 *         .run(engine);
 * }</pre>
 * The run commands go through the same builder, so a config file and a program with the same values run the same.
 */
public final class Bivdiff {

    /** The reference's defaults: 50 DDIM steps, guidance 7.5, seed 42 (BIVDiff's configs). */
    public static final int DEFAULT_STEPS = 50;
    public static final double DEFAULT_GUIDANCE = 7.5;
    public static final long DEFAULT_SEED = 42;

    private final Task task;
    private Path stableDiffusion;
    private ImageModels imageModels;
    private Path network;
    private VideoModel video;
    private String prompt = "";
    private String videoPrompt;
    private String promptSuffix;
    private String negativePrompt;
    private int steps = DEFAULT_STEPS;
    private double guidanceScale = DEFAULT_GUIDANCE;
    private MixingRatio mixingRatio;
    private long seed = DEFAULT_SEED;
    private Strategy strategy = Strategy.SEQUENTIAL;
    private InversionAndSmoothing.Options options = InversionAndSmoothing.Options.BIVDIFF;
    private TaskOptions taskOptions;
    private int maxBatch = FrameGenerator.DEFAULT_MAX_BATCH;
    private RunEvents events = RunEvents.NONE;
    private Tensor source;
    private Tensor condition;
    private Tensor masks;

    private Bivdiff(Task task) {
        this.task = Objects.requireNonNull(task, "task");
        this.mixingRatio = new MixingRatio(task.defaultMixingRatio());
        this.promptSuffix = task.defaultPromptSuffix();
        this.negativePrompt = task.defaultNegativePrompt();
        this.taskOptions = task.defaultOptions();
    }

    /** A run of {@code task} with the reference's defaults. */
    public static Bivdiff task(Task task) {
        return new Bivdiff(task);
    }

    /** The Stable Diffusion pipeline folder: the image model of mixed inversion, and of the task unless told. */
    public Bivdiff stableDiffusion(Path folder) {
        this.stableDiffusion = folder;
        return this;
    }

    /** The task's ControlNet or T2I-Adapter folder, on the Stable Diffusion pipeline. */
    public Bivdiff network(Path folder) {
        this.network = folder;
        return this;
    }

    /** The task's image models when they are not the Stable Diffusion pipeline (InstructPix2Pix, inpainting). */
    public Bivdiff imageModels(ImageModels models) {
        this.imageModels = models;
        return this;
    }

    /** A text-to-video pipeline folder (ZeroScope). */
    public Bivdiff video(Path folder) {
        return video(VideoModel.of(folder, null));
    }

    public Bivdiff video(VideoModel model) {
        this.video = model;
        return this;
    }

    /** The frame prompt, and the video prompt unless {@link #videoPrompt} says otherwise. */
    public Bivdiff prompt(String text) {
        this.prompt = Objects.requireNonNull(text, "prompt");
        return this;
    }

    /**
     * The prompt of inversion and smoothing; by default the frame prompt, for Prompt-to-Prompt the edited prompt
     * (BIVDiff's configs smooth towards it).
     */
    public Bivdiff videoPrompt(String text) {
        this.videoPrompt = text;
        return this;
    }

    /** Appended to both prompts; the task's quality tags by default. */
    public Bivdiff promptSuffix(String text) {
        this.promptSuffix = Objects.requireNonNull(text, "promptSuffix");
        return this;
    }

    /** The negative prompt of every stage; the task's by default. */
    public Bivdiff negativePrompt(String text) {
        this.negativePrompt = Objects.requireNonNull(text, "negativePrompt");
        return this;
    }

    /** DDIM steps of every stage. */
    public Bivdiff steps(int n) {
        this.steps = n;
        return this;
    }

    /** Classifier-free guidance of the frame stage and of smoothing. */
    public Bivdiff guidanceScale(double g) {
        this.guidanceScale = g;
        return this;
    }

    /**
     * a in z = a z_img + (1 - a) z_video; the paper's ratio for the task by default.
     *
     * @throws IllegalArgumentException when {@code a} is outside [0, 1]
     */
    public Bivdiff mixingRatio(double a) {
        this.mixingRatio = new MixingRatio(a);
        return this;
    }

    /** Every random draw of the run derives from it. */
    public Bivdiff seed(long s) {
        this.seed = s;
        return this;
    }

    public Bivdiff strategy(Strategy s) {
        this.strategy = Objects.requireNonNull(s, "strategy");
        return this;
    }

    /** BIVDiff's quirks or their clean variants, and the video model's temporal windows. */
    public Bivdiff options(InversionAndSmoothing.Options o) {
        this.options = Objects.requireNonNull(o, "options");
        return this;
    }

    /** The task's own settings (image guidance, strength, conditioning scale, outpainting border, edit). */
    public Bivdiff taskOptions(TaskOptions o) {
        this.taskOptions = Objects.requireNonNull(o, "taskOptions");
        return this;
    }

    /** Most rows per UNet call of the frame stage, 0 = all. */
    public Bivdiff maxBatch(int rows) {
        this.maxBatch = rows;
        return this;
    }

    /** Per-step events of every stage, the cancellation checked between steps, the smoothing's step observer. */
    public Bivdiff events(RunEvents e) {
        this.events = Objects.requireNonNull(e, "events");
        return this;
    }

    /** (F, 3, H, W) in [-1, 1]: the source video's frames (for {@link Task#FRAMES}, the frames themselves). */
    public Bivdiff source(Tensor frames) {
        this.source = frames;
        return this;
    }

    /** (F, C, H, W) in [0, 1]: ControlNet / T2I-Adapter conditions. */
    public Bivdiff condition(Tensor images) {
        this.condition = images;
        return this;
    }

    /** (F, 1, H, W) in [0, 1], 1 = repaint: inpainting masks (outpainting makes its own unless given). */
    public Bivdiff masks(Tensor m) {
        this.masks = m;
        return this;
    }

    /** The task's image models: as set, else the Stable Diffusion pipeline with the task's network. */
    public ImageModels imageModels() {
        return imageModels != null ? imageModels : new ImageModels(require(stableDiffusion, "stableDiffusion"), null,
                network);
    }

    /** The frame stage's image model. */
    public FrameGenerator generator(Engine engine) {
        return task.generator(imageModels(), taskOptions, engine);
    }

    /** How the frame stage samples: the frame prompt with the suffix, and every other setting of the run. */
    public FrameGenerator.Settings frameSettings() {
        return new FrameGenerator.Settings(new Prompt(prompt + promptSuffix, negativePrompt), steps, guidanceScale,
                seed, maxBatch, events);
    }

    /** The models of inversion and smoothing: the Stable Diffusion pipeline and the video model. */
    public InversionAndSmoothing.Models models() throws IOException {
        return InversionAndSmoothing.Models.ofPipelines(require(stableDiffusion, "stableDiffusion"), video);
    }

    /** The pipeline's request. */
    public BivdiffPipeline.Request request(Engine engine) {
        String smoothTowards = videoPrompt != null ? videoPrompt
                : task == Task.PROMPT2PROMPT ? taskOptions.edit().editedPrompt() : prompt;
        return new BivdiffPipeline.Request(generator(engine), task.inputs(require(source, "source"), condition, masks,
                taskOptions), frameSettings(), smoothTowards + promptSuffix, negativePrompt, mixingRatio, strategy,
                options);
    }

    /** Runs BIVDiff without storing its stages. */
    public BivdiffPipeline.Result run(Engine engine) throws IOException {
        return run(engine, StageStore.NONE);
    }

    /** Runs BIVDiff, resuming from and storing into {@code store}. */
    public BivdiffPipeline.Result run(Engine engine, StageStore store) throws IOException {
        return new BivdiffPipeline(models(), engine).run(request(engine), store);
    }

    private static <T> T require(T value, String what) {
        if (value == null) {
            throw new IllegalStateException(what + " is not set");
        }
        return value;
    }
}
