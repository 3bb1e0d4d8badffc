package org.bivdiff.bivdiff;

import org.bivdiff.models.vae.AutoencoderKL;

/**
 * How latents are scaled between the VAE and the UNets.
 *
 * <p>BIVDiff hard-codes Stable Diffusion 1.x's factor: inference.py encodes with
 * {@code latents * 0.18215}, and the {@code decode_latents} of models/video_smoothing.py (and
 * models/mixed_inversion.py) decodes {@code 1 / 0.18215 * latents}, whatever the VAE's config says.
 * {@link #BIVDIFF_HARD_CODED} reproduces that (the float32 factors torch uses);
 * {@link #VAE_CONFIG} is the clean option, the VAE's {@code scaling_factor}.
 */
public enum LatentScaling {
    /** 0.18215 both ways, as BIVDiff's inference.py and decode_latents. */
    BIVDIFF_HARD_CODED,
    /** The VAE config's {@code scaling_factor}. */
    VAE_CONFIG;

    /** Stable Diffusion 1.x's latent scale, the constant BIVDiff writes out. */
    public static final double SD15_SCALING_FACTOR = 0.18215;

    /** Encoded latents are multiplied by this. */
    public float encodeFactor(AutoencoderKL vae) {
        return (float) (this == BIVDIFF_HARD_CODED ? SD15_SCALING_FACTOR : vae.scalingFactor());
    }

    /** Latents are multiplied by this before decoding ({@code 1 / 0.18215} as a double, then float32, as torch). */
    public float decodeFactor(AutoencoderKL vae) {
        return (float) (1 / (this == BIVDIFF_HARD_CODED ? SD15_SCALING_FACTOR : vae.scalingFactor()));
    }
}
