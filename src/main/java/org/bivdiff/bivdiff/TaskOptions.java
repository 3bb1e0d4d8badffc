package org.bivdiff.bivdiff;

import java.util.Objects;
import java.util.Optional;

import org.bivdiff.pipelines.Outpainting;
import org.bivdiff.pipelines.p2p.AttentionEdit;

/**
 * What an image-model task takes besides prompts, steps and guidance; each task reads its own.
 *
 * @param imageGuidanceScale InstructPix2Pix's image guidance (1.5)
 * @param strength           how far img2img and inpainting noise their input (img2img 0.8, inpainting 1)
 * @param conditioningScale  ControlNet's {@code controlnet_conditioning_scale} or the T2I-Adapter's
 *                           {@code adapter_conditioning_scale} (1)
 * @param direction          outpainting's border bands when no masks are given (BIVDiff's default: horizontal)
 * @param edit               Prompt-to-Prompt's edit (its edited prompt is empty unless the task is
 *                           {@link Task#PROMPT2PROMPT})
 */
public record TaskOptions(double imageGuidanceScale, double strength, double conditioningScale,
                          Outpainting.Direction direction, Prompt2PromptFrames.Edit edit) {

    /** InstructPix2Pix's image guidance unless told otherwise (diffusers' default). */
    public static final double DEFAULT_IMAGE_GUIDANCE = 1.5;

    public TaskOptions {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(edit, "edit");
    }

    /** The reference's settings for {@code task}. */
    public static TaskOptions defaults(Task task) {
        return new TaskOptions(DEFAULT_IMAGE_GUIDANCE, task == Task.IMAGE_TO_IMAGE ? 0.8 : 1.0, 1.0,
                Outpainting.Direction.HORIZONTAL,
                Prompt2PromptFrames.Edit.of("", AttentionEdit.Type.REFINE, Optional.empty()));
    }

    public TaskOptions withImageGuidanceScale(double g) {
        return new TaskOptions(g, strength, conditioningScale, direction, edit);
    }

    public TaskOptions withStrength(double s) {
        return new TaskOptions(imageGuidanceScale, s, conditioningScale, direction, edit);
    }

    public TaskOptions withConditioningScale(double s) {
        return new TaskOptions(imageGuidanceScale, strength, s, direction, edit);
    }

    public TaskOptions withDirection(Outpainting.Direction d) {
        return new TaskOptions(imageGuidanceScale, strength, conditioningScale, d, edit);
    }

    public TaskOptions withEdit(Prompt2PromptFrames.Edit e) {
        return new TaskOptions(imageGuidanceScale, strength, conditioningScale, direction, e);
    }
}
