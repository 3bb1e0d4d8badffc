package org.bivdiff.bivdiff;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;

import org.bivdiff.graph.Engine;
import org.bivdiff.pipelines.Outpainting;
import org.bivdiff.tensor.Tensor;

/**
 * The catalogue of image-model tasks: for each, the models it loads ({@link #network()}), the inputs it takes
 * ({@link #needs()}), the reference's defaults, and how its {@link FrameGenerator} is built ({@link #generator}).
 * The run configs, the {@code image} command and {@link Bivdiff} all go through here.
 *
 * <p>Defaults: the paper's mixing ratio (1.0 for ControlNet, T2I-Adapter and InstructPix2Pix, 0.25 for
 * Prompt-to-Prompt, 0.1 for inpainting) and the prompt suffix / negative prompt BIVDiff's {@code models/*}{@code
 * /infer.py} add (ControlNet and InstructPix2Pix; T2IAdapter's {@code POS_PROMPT} and {@code NEG_PROMPT} are empty).
 */
public enum Task {
    /** Stable Diffusion from text; the inputs give only the frames' count and size. Not a video task. */
    TEXT_TO_IMAGE("txt2img", 1.0, false, Network.NONE, Needs.NOTHING, false),
    /** Stable Diffusion image-to-image on each source frame. Not a video task. */
    IMAGE_TO_IMAGE("img2img", 1.0, false, Network.NONE, Needs.SOURCE, false),
    /** ControlNet (Canny edges, depth or pose) on a Stable Diffusion pipeline; the inputs carry the conditions. */
    CONTROLNET("controlnet", 1.0, true, Network.CONTROLNET, Needs.CONDITION, true),
    /** A T2I-Adapter on a Stable Diffusion pipeline; the inputs carry its (F, 1 or 3, H, W) images. */
    T2I_ADAPTER("t2i-adapter", 1.0, false, Network.T2I_ADAPTER, Needs.CONDITION, true),
    /** InstructPix2Pix: edits each source frame (a pipeline folder, or a pipeline with its 8-channel UNet). */
    INSTRUCT_PIX2PIX("ip2p", 1.0, true, Network.UNET, Needs.SOURCE, true),
    /** Prompt-to-Prompt editing from the inverted source frames; models/Prompt2Prompt/infer.py adds no tags. */
    PROMPT2PROMPT("p2p", 0.25, false, Network.NONE, Needs.SOURCE, true),
    /** Stable Diffusion inpainting (a 9-channel UNet); the inputs carry the masks. */
    INPAINTING("inpaint", 0.1, false, Network.UNET, Needs.MASKS, true),
    /** Inpainting of BIVDiff's border bands ({@link TaskOptions#direction()}), or of the masks the inputs carry. */
    OUTPAINTING("outpaint", 0.1, false, Network.UNET, Needs.SOURCE, true),
    /** Frames a user made with any other image model, read from a video or a folder of images. */
    FRAMES("frames", 1.0, false, Network.NONE, Needs.SOURCE, true);

    /** The quality tags BIVDiff appends to the prompts of ControlNet and InstructPix2Pix runs. */
    public static final String QUALITY_SUFFIX = " ,best quality, extremely detailed, HD, ultra-realistic, 8K, HQ, "
            + "masterpiece, trending on artstation, art, smooth";
    /** The negative prompt BIVDiff uses with those models. */
    public static final String QUALITY_NEGATIVE = "longbody, lowres, bad anatomy, bad hands, missing fingers, extra digit, "
            + "fewer difits, cropped, worst quality, low quality, deformed body, bloated, ugly, unrealistic";

    /** The network a task loads besides the Stable Diffusion pipeline folder ({@link ImageModels#network()}). */
    public enum Network {
        NONE,
        CONTROLNET,
        T2I_ADAPTER,
        /** a UNet folder in place of the pipeline's (optional: the pipeline folder may hold it) */
        UNET
    }

    /** What a task needs in its {@link FrameGenerator.Inputs} besides the frames' count and size. */
    public enum Needs { NOTHING, SOURCE, CONDITION, MASKS }

    private final String spelling;
    private final double defaultMixingRatio;
    private final boolean qualityPrompts;
    private final Network network;
    private final Needs needs;
    private final boolean video;

    Task(String spelling, double defaultMixingRatio, boolean qualityPrompts, Network network, Needs needs,
         boolean video) {
        this.spelling = spelling;
        this.defaultMixingRatio = defaultMixingRatio;
        this.qualityPrompts = qualityPrompts;
        this.network = network;
        this.needs = needs;
        this.video = video;
    }

    public String spelling() {
        return spelling;
    }

    /** The paper's mixing ratio a for this image model. */
    public double defaultMixingRatio() {
        return defaultMixingRatio;
    }

    /** The prompt suffix the reference appends for this model. */
    public String defaultPromptSuffix() {
        return qualityPrompts ? QUALITY_SUFFIX : "";
    }

    /** The negative prompt the reference uses for this model. */
    public String defaultNegativePrompt() {
        return qualityPrompts ? QUALITY_NEGATIVE : "";
    }

    /** The network loaded besides the Stable Diffusion pipeline. */
    public Network network() {
        return network;
    }

    /** What the inputs must carry. */
    public Needs needs() {
        return needs;
    }

    /** Whether BIVDiff bridges this task to a video model (run configs offer only these). */
    public boolean isVideoTask() {
        return video;
    }

    /** This task's options with the reference's defaults ({@link TaskOptions#defaults}). */
    public TaskOptions defaultOptions() {
        return TaskOptions.defaults(this);
    }

    /**
     * The inputs of this task: the source frames (F, 3, H, W) in [-1, 1], and the conditions (F, C, H, W) or masks
     * (F, 1, H, W) in [0, 1] it takes (null where it takes none). Outpainting without masks gets BIVDiff's border
     * bands of {@code options.direction()}, the same for every frame.
     *
     * @throws IllegalArgumentException when the task's condition or masks are missing
     */
    public FrameGenerator.Inputs inputs(Tensor source, Tensor condition, Tensor masks, TaskOptions options) {
        return withTaskMasks(new FrameGenerator.Inputs(source, condition, masks), options);
    }

    /** {@link #inputs} for images already in [0, 1] (8-bit values / 255), kept exactly as the pipelines take them. */
    public FrameGenerator.Inputs unitInputs(Tensor sourceUnit, Tensor condition, Tensor masks, TaskOptions options) {
        return withTaskMasks(FrameGenerator.Inputs.ofUnit(sourceUnit, condition, masks), options);
    }

    private FrameGenerator.Inputs withTaskMasks(FrameGenerator.Inputs in, TaskOptions options) {
        if (this == OUTPAINTING && in.masks() == null) {
            int[] s = in.source().shape();
            Tensor band = Outpainting.mask(options.direction(), s[2], s[3]);                // (1, 1, H, W)
            in = in.withMasks(Tensor.concat0(Collections.nCopies(s[0], band)));             // (F, 1, H, W)
        }
        switch (needs) {
            case CONDITION -> require(in.condition(), "condition images");
            case MASKS -> require(in.masks(), "masks");
            default -> {
            }
        }
        return in;
    }

    private void require(Tensor t, String what) {
        if (t == null) {
            throw new IllegalArgumentException("task '" + spelling + "' needs " + what + " for every frame");
        }
    }

    /**
     * This task's image models among a run's folders: ControlNet and T2I-Adapter on the Stable Diffusion pipeline,
     * InstructPix2Pix and inpainting as pipelines of their own, the others on the Stable Diffusion pipeline alone.
     */
    public ImageModels imageModels(Path stableDiffusion, Path controlNet, Path t2iAdapter, Path instructPix2Pix,
                                   Path inpainting) {
        return switch (this) {
            case CONTROLNET -> ImageModels.withNetwork(stableDiffusion, controlNet);
            case T2I_ADAPTER -> ImageModels.withNetwork(stableDiffusion, t2iAdapter);
            case INSTRUCT_PIX2PIX -> ImageModels.pipeline(instructPix2Pix);
            case INPAINTING, OUTPAINTING -> ImageModels.pipeline(inpainting);
            case TEXT_TO_IMAGE, IMAGE_TO_IMAGE, PROMPT2PROMPT, FRAMES -> ImageModels.pipeline(stableDiffusion);
        };
    }

    /**
     * The image model of this task as a frame generator (nothing is loaded until it runs or is checked).
     *
     * @param models  the folders it loads: {@link ImageModels#network()} must be set for ControlNet and
     *                T2I-Adapter; none for {@link #FRAMES}, whose generator hands back the source frames
     * @param options the task's own settings
     */
    public FrameGenerator generator(ImageModels models, TaskOptions options, Engine engine) {
        if (this == FRAMES) {
            return FrameGenerator.GIVEN;
        }
        if ((network == Network.CONTROLNET || network == Network.T2I_ADAPTER) && models.network() == null) {
            throw new IllegalArgumentException("task '" + spelling + "' needs a " + (network == Network.CONTROLNET
                    ? "ControlNet" : "T2I-Adapter") + " folder");
        }
        return switch (this) {
            case TEXT_TO_IMAGE -> ImageModelFrames.textToImage(models, engine);
            case IMAGE_TO_IMAGE -> ImageModelFrames.imageToImage(models, options.strength(), engine);
            case CONTROLNET -> ImageModelFrames.controlNet(models, options.conditioningScale(), engine);
            case T2I_ADAPTER -> ImageModelFrames.t2iAdapter(models, options.conditioningScale(), engine);
            case INSTRUCT_PIX2PIX -> ImageModelFrames.instructPix2Pix(models, options.imageGuidanceScale(), engine);
            case INPAINTING, OUTPAINTING -> ImageModelFrames.inpainting(models, options.strength(), engine);
            case PROMPT2PROMPT -> new Prompt2PromptFrames(models.pipeline(), options.edit(), engine);
            case FRAMES -> throw new AssertionError();
        };
    }

    /** Parses a spelling such as {@code controlnet} or {@code t2i-adapter}: the video tasks of a run config. */
    public static Task parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT);
        for (Task t : values()) {
            if (t.video && t.spelling.equals(k)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + s + "' (tasks: " + String.join(", ",
                Arrays.stream(values()).filter(Task::isVideoTask).map(Task::spelling).toList()) + ")");
    }
}
