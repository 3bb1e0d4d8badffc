package org.bivdiff.bivdiff;

import org.bivdiff.io.Spellings;

/**
 * How the image model (IDM) and the video model (VDM) are bridged: BIVDiff's own scheme and the
 * alternatives its paper compares against in the ablation.
 */
public enum Strategy {
    /** BIVDiff: frame-wise generation, then mixed inversion, then temporal smoothing with the VDM. */
    SEQUENTIAL,
    /** The IDM's frames as they are: no inversion, no smoothing. */
    IDM_ONLY,
    /** The VDM alone: text-to-video from noise, without the IDM. */
    VDM_ONLY,
    /**
     * A baseline of the paper's ablation; not BIVDiff. One DDIM loop over video latents from noise, the
     * image model predicting the noise at even steps (frame-wise) and the video model at odd steps
     * ({@link JointDenoising}). Both UNets are resident.
     */
    ALTERNATE,
    /**
     * A baseline of the paper's ablation; not BIVDiff. One DDIM loop over video latents from noise, each
     * step's prediction {@code a * eps_IDM + (1 - a) * eps_VDM} with a the mixing ratio
     * ({@link JointDenoising}). Both UNets are resident (unless a is 0 or 1).
     */
    FUSE;

    /** The base name of the run's result video: {@code video_by_bivdiff}, or {@code video_by_<strategy>} for a baseline. */
    public String videoName() {
        return this == SEQUENTIAL ? "video_by_bivdiff" : "video_by_" + Spellings.lower(this);
    }
}
