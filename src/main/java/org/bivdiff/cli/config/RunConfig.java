package org.bivdiff.cli.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.bivdiff.MixingRatio;
import org.bivdiff.bivdiff.Strategy;
import org.bivdiff.bivdiff.Task;
import org.bivdiff.bivdiff.TemporalWindows;
import org.bivdiff.io.Spellings;
import org.bivdiff.media.VideoSampler;
import org.bivdiff.media.annotators.ConditionFrames.FrameInput;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel.FrameNorm;
import org.bivdiff.pipelines.Outpainting;
import org.bivdiff.pipelines.p2p.AttentionEdit;

/**
 * One BIVDiff run as a config file describes it, as a tree of small records, one per group of keys of
 * {@code docs/config.md}: every path resolved, every default filled in. {@link #problems()} lists what is wrong
 * with it before any model is loaded.
 *
 * @param task     the image model making the frames
 * @param prompts  the texts of every stage
 * @param inputs   the source video and what comes with it
 * @param clip     how the source is sampled and sized
 * @param sampling the denoising of every stage
 * @param bridging how the image and the video model are combined
 * @param edit     {@link Task#PROMPT2PROMPT}: the edit of the frame prompt
 * @param models   model folders
 * @param window   the video model's temporal windows for inversion and smoothing (and the frame stage's batches)
 * @param output   where the run is written, and how
 */
public record RunConfig(Task task, Prompts prompts, Inputs inputs, Clip clip, Sampling sampling, Bridging bridging,
                        Edit edit, Models models, TemporalWindows window, Output output) {

    /** {@code video_length: all} (or 0): every frame {@code frame_rate} reaches, however many. */
    public static final int ALL_FRAMES = VideoSampler.ALL_FRAMES;

    /** {@code fps} left out (or 0): the source's rate for the sampled frames. */
    public static final double FPS_FROM_SOURCE = 0;

    /** The video model's window when the config names none: the 8 frames BIVDiff's settings use. */
    public static final int DEFAULT_WINDOW = 8;

    /** ControlNet / T2I-Adapter conditions. Canny and depth are computed here; pose takes a condition video. */
    public enum Condition { CANNY, DEPTH, OPENPOSE }

    /**
     * @param prompt         the image model's prompt (the reference's {@code idm_prompt})
     * @param videoPrompt    the prompt of inversion and smoothing ({@code vdm_prompt})
     * @param promptSuffix   appended to both prompts (the reference's quality tags for some models)
     * @param negativePrompt the negative prompt of every stage
     */
    public record Prompts(String prompt, String videoPrompt, String promptSuffix, String negativePrompt) {
    }

    /**
     * @param video          the source video (a file or a folder of frames)
     * @param condition      ControlNet / T2I-Adapter condition
     * @param conditionVideo a precomputed condition video (depth, pose), or null to compute Canny edges or depth
     * @param conditionInput how the frames reach the Canny / depth annotator
     * @param maskVideo      inpainting masks (white = repaint), or null
     * @param maskType       outpainting border
     * @param frames         {@link Task#FRAMES}: the frames made by another image model
     */
    public record Inputs(Path video, Condition condition, Path conditionVideo, FrameInput conditionInput,
                         Path maskVideo, Outpainting.Direction maskType, Path frames) {
    }

    /**
     * @param videoLength frames to sample and generate; {@link #ALL_FRAMES}: every frame the sampling reaches
     * @param frameRate   take one source frame every this many; 0 spreads the frames over the clip
     * @param width       frame width, rounded down to a multiple of 32 as the reference does ({@link FrameSize})
     * @param height      frame height, likewise
     */
    public record Clip(int videoLength, int frameRate, int width, int height) {
    }

    /**
     * @param steps              DDIM steps of every stage
     * @param guidanceScale      classifier-free guidance
     * @param imageGuidanceScale InstructPix2Pix image guidance
     * @param seed               all random draws derive from it
     */
    public record Sampling(int steps, double guidanceScale, double imageGuidanceScale, long seed) {
    }

    /**
     * @param strategy          how IDM and VDM are bridged
     * @param mixingRatio       a in z = a z_img + (1 - a) z_video (FUSE: in eps = a eps_IDM + (1 - a) eps_VDM)
     * @param inversionNorm how the inflated image UNet normalises when it inverts: across frames (BIVDiff) or per frame
     */
    public record Bridging(Strategy strategy, double mixingRatio, FrameNorm inversionNorm) {
    }

    /**
     * @param folder the run folder
     * @param key    the config key that sets it ({@code output}; {@code Model.output_path} in official configs)
     * @param fps    frame rate of the written videos; {@link #FPS_FROM_SOURCE}: the rate the sampled frames have in
     *               the source
     */
    public record Output(Path folder, String key, double fps) {
    }

    /**
     * A Prompt-to-Prompt edit: the frame prompt ({@code prompt}) is the source, {@code prompt} here the
     * edited one.
     *
     * @param prompt           the edited prompt
     * @param type             replace (same word count) or refine (words added)
     * @param localBlendWords  empty, or the source's and the edited prompt's blend word
     * @param localBlendThreshold a normalised attention value above it is inside the edited region
     */
    public record Edit(String prompt, AttentionEdit.Type type, List<String> localBlendWords,
                       double localBlendThreshold) {

        public Edit {
            localBlendWords = List.copyOf(localBlendWords);
        }
    }

    /**
     * Model folders (diffusers layout). {@code stableDiffusion} is also the image model of mixed
     * inversion, as in the reference. {@code video} is a text-to-video pipeline folder (ZeroScope), or with
     * {@code vidrdCheckpoint} (VidRD's {@code ModelT2V.pth}) the Stable Diffusion 2.1-base folder VidRD is built on.
     */
    public record Models(Path stableDiffusion, Path controlNet, Path t2iAdapter, Path instructPix2Pix,
                         Path inpainting, Path video, Path vidrdCheckpoint, Path depth) {
    }

    /** True if the run computes its condition images from the source (no condition video). */
    public boolean annotates() {
        return inputs.conditionVideo() == null && (task == Task.CONTROLNET || task == Task.T2I_ADAPTER);
    }

    /** This run with another bridging scheme and mixing ratio (a variant of an ablation). */
    public RunConfig withStrategy(Strategy s, double ratio) {
        return new RunConfig(task, prompts, inputs, clip, sampling,
                new Bridging(s, ratio, bridging.inversionNorm()), edit, models, window, output);
    }

    /** Everything wrong with this run, one message per problem; empty when it can start. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (!MixingRatio.isValid(bridging.mixingRatio())) {
            p.add("mixing_ratio = " + bridging.mixingRatio() + " must be in [0, 1]");
        }
        positive(p, "steps", sampling.steps());
        if (clip.videoLength() < 0) {
            p.add("video_length = " + clip.videoLength() + " must be >= 1, or all");
        }
        if (clip.frameRate() < 0) {
            p.add("frame_rate = " + clip.frameRate() + " must be >= 0 (0 spreads the frames over the clip)");
        }
        if (clip.width() < 32 || clip.height() < 32) {
            p.add("width x height = " + clip.width() + " x " + clip.height() + " must be at least 32 x 32");
        }
        if (sampling.guidanceScale() < 0 || sampling.imageGuidanceScale() < 0) {
            p.add("guidance_scale and image_guidance_scale must be >= 0, got " + sampling.guidanceScale() + " and "
                    + sampling.imageGuidanceScale());
        }
        if (output.fps() < 0 || Double.isNaN(output.fps())) {
            p.add("fps = " + output.fps() + " must be > 0 (or left out for the source's rate)");
        }
        if (task == Task.FRAMES) {
            exists(p, "frames", inputs.frames());
        } else {
            exists(p, "video", inputs.video());
        }
        if (inputs.condition() == Condition.OPENPOSE && annotates()) {
            p.add("condition 'openpose' needs condition_video: Canny edges and depth are computed here, poses are not; "
                    + "make the pose video with another tool");
        }
        if (inputs.condition() == Condition.DEPTH && annotates()) {
            if (models.depth() == null) {
                p.add("models.depth is not set: condition 'depth' without condition_video computes MiDaS depth with a "
                        + "DPT-Hybrid model (a transformers folder such as Intel/dpt-hybrid-midas, or "
                        + "dpt_hybrid-midas-501f0c75.pt from lllyasviel/Annotators)");
            } else if (!Files.exists(models.depth())) {
                p.add("models.depth = " + models.depth() + ": no such model folder or file"
                        + ModelSources.hint(models.depth()));
            }
        }
        if (inputs.conditionVideo() != null) {
            exists(p, "condition_video", inputs.conditionVideo());
        }
        if (task == Task.INPAINTING) {
            exists(p, "mask_video", inputs.maskVideo());
        }
        if (task == Task.PROMPT2PROMPT) {
            editProblems(p);
        }
        Strategy strategy = bridging.strategy();
        if (task == Task.FRAMES && (strategy == Strategy.ALTERNATE || strategy == Strategy.FUSE)) {
            p.add("strategy '" + Spellings.kebab(strategy) + "' denoises with the image model at every step; task "
                    + "'frames' has no image model (use sequential, idm-only or vdm-only)");
        }
        modelFolders(p);
        return p;
    }

    /** Inputs the config gives that this run does not use: each would otherwise be dropped without a word. */
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        boolean conditioned = task == Task.CONTROLNET || task == Task.T2I_ADAPTER;
        unused(w, "condition_video", inputs.conditionVideo() != null && !conditioned);
        unused(w, "mask_video", inputs.maskVideo() != null && task != Task.INPAINTING);
        unused(w, "frames", inputs.frames() != null && task != Task.FRAMES);
        unused(w, "video", inputs.video() != null && task == Task.FRAMES);
        unused(w, "edit.prompt", !edit.prompt().isBlank() && task != Task.PROMPT2PROMPT);
        unused(w, "models.controlnet", models.controlNet() != null && task != Task.CONTROLNET);
        unused(w, "models.t2i_adapter", models.t2iAdapter() != null && task != Task.T2I_ADAPTER);
        unused(w, "models.instruct_pix2pix", models.instructPix2Pix() != null && task != Task.INSTRUCT_PIX2PIX);
        unused(w, "models.inpainting", models.inpainting() != null && task != Task.INPAINTING
                && task != Task.OUTPAINTING);
        unused(w, "models.video", models.video() != null && bridging.strategy() == Strategy.IDM_ONLY);
        return w;
    }

    private void unused(List<String> w, String key, boolean unused) {
        if (unused) {
            w.add(key + " is set but not used by task '" + task.spelling() + "' with strategy '"
                    + Spellings.kebab(bridging.strategy()) + "': it is ignored");
        }
    }

    private void editProblems(List<String> p) {
        if (edit.prompt().isBlank()) {
            p.add("edit.prompt is not set: Prompt-to-Prompt edits the frames from 'prompt' to 'edit.prompt'");
        }
        if (!edit.localBlendWords().isEmpty() && edit.localBlendWords().size() != 2) {
            p.add("edit.local_blend_words = " + edit.localBlendWords() + " must be empty or two words: one of the "
                    + "prompt and one of edit.prompt");
        }
        if (sampling.guidanceScale() <= 1) {
            p.add("guidance_scale = " + sampling.guidanceScale() + ": Prompt-to-Prompt edits the conditional half of a "
                    + "guided "
                    + "batch and needs guidance_scale > 1");
        }
        if (bridging.strategy() == Strategy.ALTERNATE || bridging.strategy() == Strategy.FUSE) {
            p.add("strategy '" + Spellings.kebab(bridging.strategy()) + "' denoises with the image model at every "
                    + "step; Prompt-to-Prompt's attention controller follows its own steps (use sequential, idm-only "
                    + "or vdm-only)");
        }
    }

    private void modelFolders(List<String> p) {
        boolean needsVideoModel = bridging.strategy() != Strategy.IDM_ONLY;
        folder(p, "models.stable_diffusion", models.stableDiffusion(), true);
        folder(p, "models.video", models.video(), needsVideoModel);
        if (needsVideoModel && models.vidrdCheckpoint() != null) {
            if (!Files.isRegularFile(models.vidrdCheckpoint())) {
                p.add("models.vidrd_checkpoint = " + models.vidrdCheckpoint() + ": no such file");
            }
            for (String sub : new String[] {"unet", "text_encoder", "tokenizer"}) {
                if (models.video() != null && Files.isDirectory(models.video())
                        && !Files.isDirectory(models.video().resolve(sub))) {
                    p.add("models.video = " + models.video() + ": VidRD is built on a Stable Diffusion 2.1-base folder "
                            + "with " + sub + "/, which it lacks");
                }
            }
        }
        folder(p, "models.controlnet", models.controlNet(), task == Task.CONTROLNET);
        folder(p, "models.t2i_adapter", models.t2iAdapter(), task == Task.T2I_ADAPTER);
        folder(p, "models.instruct_pix2pix", models.instructPix2Pix(), task == Task.INSTRUCT_PIX2PIX);
        folder(p, "models.inpainting", models.inpainting(), task == Task.INPAINTING || task == Task.OUTPAINTING);
    }

    private static void folder(List<String> p, String key, Path folder, boolean needed) {
        if (!needed) {
            return;
        }
        if (folder == null) {
            p.add(key + " is not set");
        } else if (!Files.isDirectory(folder)) {
            p.add(key + " = " + folder + ": no such model folder" + ModelSources.hint(folder));
        }
    }

    private static void exists(List<String> p, String key, Path file) {
        if (file == null) {
            p.add(key + " is not set");
        } else if (!Files.exists(file)) {
            p.add(key + " = " + file + ": no such file or folder");
        }
    }

    private static void positive(List<String> p, String key, int value) {
        if (value < 1) {
            p.add(key + " = " + value + " must be >= 1");
        }
    }
}
