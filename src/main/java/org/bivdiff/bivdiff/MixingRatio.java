package org.bivdiff.bivdiff;

/**
 * BIVDiff's mixing ratio a, the image model's weight: z = a z_img + (1 - a) z_video in mixed inversion, and
 * eps = a eps_IDM + (1 - a) eps_VDM in the {@link Strategy#FUSE} baseline. Checked once, where it enters: a
 * request or model that holds one need not check it again.
 *
 * @param value a in [0, 1]: 1 = the image model only, 0 = the video model only
 */
public record MixingRatio(double value) {

    /** The image model alone: stage 2's image branch, as Prompt-to-Prompt's source inversion uses it. */
    public static final MixingRatio IMAGE_ONLY = new MixingRatio(1);

    /** @throws IllegalArgumentException when {@code value} is outside [0, 1] or NaN */
    public MixingRatio {
        if (!isValid(value)) {
            throw new IllegalArgumentException("mixing ratio must be in [0, 1] (1 = image model only, 0 = video "
                    + "model only), got " + value);
        }
    }

    /** Whether {@code a} is a mixing ratio: finite, in [0, 1]; for callers that collect problems, not throw. */
    public static boolean isValid(double a) {
        return a >= 0 && a <= 1;
    }

    /** Whether the image model has any weight (a > 0), so its branch must run. */
    public boolean usesImage() {
        return value > 0;
    }

    /** Whether the video model has any weight (a < 1), so its branch must run. */
    public boolean usesVideo() {
        return value < 1;
    }

    /** The value as {@link Double#toString(double)} spells it, for labels, logs and file names. */
    @Override
    public String toString() {
        return Double.toString(value);
    }
}
