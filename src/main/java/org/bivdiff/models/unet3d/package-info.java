/**
 * The text-to-video UNet (diffusers' UNet3DConditionModel, ZeroScope / ModelScope layout): the 2D
 * UNet's per-frame layers with temporal convolutions and temporal transformers inserted.
 */
package org.bivdiff.models.unet3d;
