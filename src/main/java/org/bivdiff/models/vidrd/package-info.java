/**
 * VidRD (Reuse and Diffuse), BIVDiff's own text-to-video model: the Stable Diffusion 2.1-base UNet inflated to
 * videos with temporal convolutions and temporal attention, loaded from its PyTorch Lightning checkpoint.
 */
package org.bivdiff.models.vidrd;
