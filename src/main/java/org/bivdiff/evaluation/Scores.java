package org.bivdiff.evaluation;

/**
 * The CLIP scores of one video and one prompt (see {@link Metric} for each definition).
 *
 * @param textualAlignment            LOVEU-TGVE's {@code clip_score_text}
 * @param frameConsistency            LOVEU-TGVE's {@code clip_score_frame} (all ordered pairs); NaN for one frame
 * @param consecutiveFrameConsistency the variant over neighbouring frames only; NaN for one frame
 * @param frames                      how many frames were scored
 */
public record Scores(double textualAlignment, double frameConsistency, double consecutiveFrameConsistency,
                     int frames) {

    /** The value of {@code metric}. */
    public double get(Metric metric) {
        return switch (metric) {
            case TEXTUAL_ALIGNMENT -> textualAlignment;
            case FRAME_CONSISTENCY -> frameConsistency;
            case FRAME_CONSISTENCY_CONSECUTIVE -> consecutiveFrameConsistency;
        };
    }
}
