package org.bivdiff.cli.config;

import java.util.Locale;

import org.bivdiff.io.Spellings;

/**
 * The image model that makes the frames, with the reference's defaults: the mixing ratio of the
 * paper (1.0 for ControlNet, T2I-Adapter and InstructPix2Pix, 0.25 for Prompt-to-Prompt, 0.1 for
 * inpainting) and the prompt suffix / negative prompt BIVDiff's {@code models/*}{@code /infer.py} add (ControlNet
 * and InstructPix2Pix; T2IAdapter's {@code POS_PROMPT} and {@code NEG_PROMPT} are empty).
 */
public enum Task {
    CONTROLNET("controlnet", 1.0, true),
    T2I_ADAPTER("t2i-adapter", 1.0, false),
    INSTRUCT_PIX2PIX("ip2p", 1.0, true),
    /** Prompt-to-Prompt editing from the inverted source frames; models/Prompt2Prompt/infer.py adds no tags. */
    PROMPT2PROMPT("p2p", 0.25, false),
    INPAINTING("inpaint", 0.1, false),
    OUTPAINTING("outpaint", 0.1, false),
    /** Frames a user made with any other image model, read from a video or a folder of images. */
    FRAMES("frames", 1.0, false);

    /** The quality tags BIVDiff appends to the prompts of ControlNet and InstructPix2Pix runs. */
    public static final String QUALITY_SUFFIX = " ,best quality, extremely detailed, HD, ultra-realistic, 8K, HQ, "
            + "masterpiece, trending on artstation, art, smooth";
    /** The negative prompt BIVDiff uses with those models. */
    public static final String QUALITY_NEGATIVE = "longbody, lowres, bad anatomy, bad hands, missing fingers, extra digit, "
            + "fewer difits, cropped, worst quality, low quality, deformed body, bloated, ugly, unrealistic";

    private final String spelling;
    private final double defaultMixingRatio;
    private final boolean qualityPrompts;

    Task(String spelling, double defaultMixingRatio, boolean qualityPrompts) {
        this.spelling = spelling;
        this.defaultMixingRatio = defaultMixingRatio;
        this.qualityPrompts = qualityPrompts;
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

    /** Parses a spelling such as {@code controlnet} or {@code t2i-adapter}. */
    public static Task parse(String s) {
        return Spellings.find(Task.class, Task::spelling, s.trim().toLowerCase(Locale.ROOT)).orElseThrow(() ->
                new IllegalArgumentException("unknown task '" + s + "' (tasks: "
                        + String.join(", ", Spellings.all(Task.class, Task::spelling)) + ")"));
    }
}
