package org.bivdiff.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.pipelines.p2p.Prompt2PromptPipeline;

import picocli.CommandLine.Option;

/**
 * The options of {@code bivdiff image}, in the groups its help shows, and the checked values its task reads
 * ({@link TaskOptions}).
 */
final class ImageOptions {

    private ImageOptions() {
    }

    /** The task and its model folders. */
    static final class Models {
        @Option(names = "--task", paramLabel = "TASK", order = 1, description = "the image-model task (required)")
        String task;

        @Option(names = "--models", paramLabel = "DIR", arity = "1..2", order = 2, description = {
                "SD_DIR [EXTRA_DIR] (required): a Stable Diffusion pipeline folder (tokenizer, text_encoder, unet, "
                        + "vae, scheduler), then the task's extra folder: the ControlNet for controlnet-canny, the "
                        + "T2I-Adapter for t2i-adapter-canny, the 8-channel UNet for ip2p, the 9-channel UNet for "
                        + "inpaint / outpaint; any folder may be a model id in the Hugging Face cache "
                        + "(ORG/NAME[@REVISION][/SUBFOLDER])"})
        List<String> models = new ArrayList<>();

        @Option(names = "--controlnet", paramLabel = "DIR", order = 3,
                description = "the ControlNet, instead of EXTRA_DIR")
        String controlnet;

        @Option(names = "--adapter", paramLabel = "DIR", order = 4,
                description = "the T2I-Adapter, instead of EXTRA_DIR")
        String adapter;

        @Option(names = "--unet", paramLabel = "DIR", order = 5,
                description = "the InstructPix2Pix / inpainting UNet, instead of EXTRA_DIR")
        String unet;

        @Option(names = "--download", order = 6, description = "pull the models the Hugging Face cache lacks")
        boolean download;
    }

    /** The texts, the images and the size. */
    static final class Inputs {
        @Option(names = "--prompt", paramLabel = "TEXT", order = 10, description = "the prompt (required)")
        String prompt;

        @Option(names = "--negative-prompt", paramLabel = "TEXT", defaultValue = "", order = 11,
                description = "the negative prompt (default: none)")
        String negativePrompt;

        @Option(names = "--image", paramLabel = "IN.png", order = 12, description = "the input (all tasks but txt2img)")
        Path image;

        @Option(names = "--mask", paramLabel = "M.png", order = 13,
                description = "inpaint: the mask (white = repaint); outpaint: instead of --direction")
        Path mask;

        @Option(names = "--out", paramLabel = "OUT.png", order = 14, description = "the PNG to write (required)")
        Path out;

        @Option(names = "--width", paramLabel = "W", order = 15,
                description = "default: the input's width, else 512; rounded down to a multiple of 32")
        Integer width;

        @Option(names = "--height", paramLabel = "H", order = 16,
                description = "default: the input's height, else 512; rounded down to a multiple of 32")
        Integer height;
    }

    /** The denoising loop. */
    static final class SamplingOptions {
        @Option(names = "--steps", paramLabel = "N", defaultValue = "50", order = 20,
                description = "denoising steps (default: ${DEFAULT-VALUE})")
        int steps;

        @Option(names = "--guidance", paramLabel = "G", defaultValue = "7.5", order = 21,
                description = "classifier-free guidance (default: ${DEFAULT-VALUE})")
        double guidance;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "0", order = 22,
                description = "default: ${DEFAULT-VALUE}")
        long seed;

        @Option(names = "--scheduler", paramLabel = "CLASS", order = 23,
                description = "a diffusers scheduler class (default: the folder's)")
        String scheduler;

        @Option(names = "--eta", paramLabel = "E", defaultValue = "0", order = 24,
                description = "DDIM's eta (default: ${DEFAULT-VALUE})")
        double eta;

        @Option(names = "--strength", paramLabel = "S", order = 25,
                description = "img2img 0.8, inpaint 1 (default)")
        Double strength;

        @Option(names = "--max-batch", paramLabel = "N", defaultValue = "0", order = 26,
                description = "rows per UNet call (default 0: all)")
        int maxBatch;
    }

    /** What only some tasks read. */
    static final class TaskFlags {
        @Option(names = "--image-guidance", paramLabel = "G", defaultValue = "1.5", order = 30,
                description = "ip2p's image guidance (default: ${DEFAULT-VALUE})")
        double imageGuidance;

        @Option(names = "--canny-low", paramLabel = "L", defaultValue = "100", order = 31,
                description = "Canny's low threshold (default: ${DEFAULT-VALUE})")
        double cannyLow;

        @Option(names = "--canny-high", paramLabel = "H", defaultValue = "200", order = 32,
                description = "Canny's high threshold (default: ${DEFAULT-VALUE})")
        double cannyHigh;

        @Option(names = "--control-scale", paramLabel = "S", defaultValue = "1", order = 33,
                description = "ControlNet conditioning scale (default: ${DEFAULT-VALUE})")
        double controlScale;

        @Option(names = "--adapter-scale", paramLabel = "S", defaultValue = "1", order = 34,
                description = "T2I-Adapter conditioning scale (default: ${DEFAULT-VALUE})")
        double adapterScale;

        @Option(names = "--direction", paramLabel = "horizontal|vertical", defaultValue = "horizontal", order = 35,
                description = "outpaint: horizontal repaints the top and bottom quarters, vertical the left and right "
                        + "(default: ${DEFAULT-VALUE}, as a run config's mask_type)")
        String direction;
    }

    /** Prompt-to-Prompt ({@code --task p2p}, which writes the edited image). */
    static final class P2pFlags {
        @Option(names = "--edited-prompt", paramLabel = "TEXT", order = 40, description = "the edited prompt (required)")
        String editedPrompt;

        @Option(names = "--edit", paramLabel = "refine|replace", defaultValue = "refine", order = 41,
                description = "refine (words added) or replace (same word count) (default: ${DEFAULT-VALUE}, as a "
                        + "run config's edit.type)")
        String edit;

        @Option(names = "--cross-replace", paramLabel = "F", order = 42,
                defaultValue = "" + Prompt2PromptPipeline.DEFAULT_REPLACE_STEPS,
                description = "fraction of steps with the cross-attention replaced (default: ${DEFAULT-VALUE})")
        double crossReplace;

        @Option(names = "--self-replace", paramLabel = "F", order = 43,
                defaultValue = "" + Prompt2PromptPipeline.DEFAULT_REPLACE_STEPS,
                description = "fraction of steps with the self-attention replaced (default: ${DEFAULT-VALUE})")
        double selfReplace;

        @Option(names = "--blend-words", paramLabel = "WORD", arity = "2", order = 44,
                description = "SRC_WORD EDITED_WORD: local blending on their attention")
        List<String> blendWords = new ArrayList<>();

        @Option(names = "--blend-threshold", paramLabel = "T", order = 45,
                defaultValue = "" + Prompt2PromptPipeline.Blend.DEFAULT_THRESHOLD,
                description = "default: ${DEFAULT-VALUE}")
        double blendThreshold;

        @Option(names = "--source-out", paramLabel = "SRC.png", order = 46,
                description = "also write the source prompt's image")
        Path sourceOut;
    }
}
