package org.bivdiff.models;

import org.bivdiff.tensor.Tensor;

/**
 * A text-to-video UNet: predicts the noise of a batch of video latents, each video's frames conditioned on
 * one text embedding. ZeroScope's {@code UNet3DConditionModel} and VidRD's inflated UNet both are.
 */
public interface VideoUNet extends AutoCloseable {

    /**
     * @param sample              (B, C, F, H, W)
     * @param timestep            one timestep for every video
     * @param encoderHiddenStates (B, L, cross_attention_dim), shared by the frames of a video
     * @return (B, C_out, F, H, W)
     */
    Tensor forward(Tensor sample, double timestep, Tensor encoderHiddenStates);

    /** The width of the text embedding it attends to ({@code cross_attention_dim}). */
    int crossAttentionDim();

    /** The channels of its first level ({@code block_out_channels[0]}), which sizes its activations. */
    int baseChannels();

    /**
     * Creates the session {@link #forward} runs now rather than at the first call, so that it can be made ahead of
     * time (on another thread, while something else computes).
     */
    void prepare();

    /** Releases the sessions. */
    @Override
    void close();
}
