package org.bivdiff.pipelines;

import org.bivdiff.tensor.Tensor;

/**
 * What every image pipeline returns.
 *
 * @param latents      (F, 4, h, w) the final latents
 * @param imageDecoded (F, 3, H, W) {@code vae.decode(latents / scaling_factor)}, nominally in [-1, 1], not clamped
 * @param image        (F, 3, H, W) {@code (imageDecoded / 2 + 0.5).clamp(0, 1)}
 * @param trace        per-step records when asked for, else {@link Trace#NONE}
 */
public record ImageResult(Tensor latents, Tensor imageDecoded, Tensor image, Trace trace) {
}
