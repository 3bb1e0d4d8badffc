package org.bivdiff.bivdiff;

/**
 * How the image model (IDM) and the video model (VDM) are bridged: BIVDiff's own scheme and the
 * alternatives its paper compares against in the ablation.
 */
public enum Strategy {
    /** BIVDiff: frame-wise generation, then mixed inversion, then temporal smoothing with the VDM. */
    SEQUENTIAL,
    /** The IDM's frames as they are: no inversion, no smoothing. */
    IDM_ONLY,
    /** The VDM alone: mixed inversion of the source frames and smoothing, without the IDM's frames. */
    VDM_ONLY
}
