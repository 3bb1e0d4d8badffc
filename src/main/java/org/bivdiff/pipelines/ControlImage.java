package org.bivdiff.pipelines;

import java.util.Objects;

import org.bivdiff.tensor.Tensor;

/**
 * One ControlNet's conditioning for a run (diffusers' {@code image}, {@code controlnet_conditioning_scale},
 * {@code control_guidance_start / end}).
 *
 * @param image             (F, C, H, W) in [0, 1], one per frame, at the output size
 * @param conditioningScale multiplies the ControlNet's residuals
 * @param guidanceStart     fraction of the steps before which the ControlNet is off, in [0, 1]
 * @param guidanceEnd       fraction of the steps after which it is off, in (start, 1]
 */
public record ControlImage(Tensor image, double conditioningScale, double guidanceStart, double guidanceEnd) {

    public ControlImage {
        Objects.requireNonNull(image, "image");
        if (image.rank() != 4) {
            throw new IllegalArgumentException("control image must be (F, C, H, W), got " + image);
        }
        if (!(guidanceStart >= 0 && guidanceStart < guidanceEnd && guidanceEnd <= 1)) {
            throw new IllegalArgumentException("control_guidance_start " + guidanceStart + " and end " + guidanceEnd
                    + " must satisfy 0 <= start < end <= 1");
        }
        if (!Double.isFinite(conditioningScale)) {
            throw new IllegalArgumentException("controlnet_conditioning_scale must be finite, got " + conditioningScale);
        }
    }

    /** Full strength over every step: scale 1, start 0, end 1. */
    public static ControlImage of(Tensor image) {
        return new ControlImage(image, 1.0, 0.0, 1.0);
    }

    /**
     * diffusers' {@code controlnet_keep[i]}: 0 when step i of n lies outside [start, end] (as the fractions
     * {@code i / n} and {@code (i + 1) / n}), else 1.
     */
    public double keep(int step, int steps) {
        boolean off = (double) step / steps < guidanceStart || (double) (step + 1) / steps > guidanceEnd;
        return off ? 0.0 : 1.0;
    }
}
