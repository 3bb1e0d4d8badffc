/**
 * The image UNet of Stable Diffusion (diffusers' UNet2DConditionModel), its ControlNet / T2I-Adapter
 * inputs, and BIVDiff's inflated variant that runs the same weights on all frames of a video.
 */
package org.bivdiff.models.unet2d;
