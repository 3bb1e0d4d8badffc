package org.bivdiff.models.vae;

import java.util.Arrays;

import org.bivdiff.tensor.Tensor;

/**
 * Port of diffusers' DiagonalGaussianDistribution: the encoder's posterior over latents.
 *
 * @param mean   (N, latent, h, w)
 * @param logvar (N, latent, h, w), clamped to [-30, 20] as diffusers does
 * @param std    exp(logvar / 2)
 */
public record LatentDistribution(Tensor mean, Tensor logvar, Tensor std) {

    /** mean + std * noise, with {@code noise} a standard normal draw of the same shape (diffusers' {@code sample()}). */
    public Tensor sample(Tensor noise) {
        if (!Arrays.equals(noise.shape(), mean.shape())) {
            throw new IllegalArgumentException("noise has shape " + Arrays.toString(noise.shape())
                    + ", the latents " + Arrays.toString(mean.shape()));
        }
        float[] m = mean.data();
        float[] s = std.data();
        float[] n = noise.data();
        float[] out = new float[m.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = m[i] + s[i] * n[i];
        }
        return new Tensor(mean.shape(), out);
    }

    /** The mean: the most likely latents. */
    public Tensor mode() {
        return mean;
    }
}
