package org.bivdiff.models.blocks;

import java.util.Objects;
import java.util.Optional;

import org.bivdiff.graph.Value;

/**
 * What every block of a UNet sees besides its input: the time embedding, the text embedding, how
 * its resnets' GroupNorms take statistics, for a video UNet how many frames are folded into the
 * batch, and the attention processor of its transformers.
 *
 * @param temb                (N, tembChannels)
 * @param encoderHiddenStates (N, L, crossAttentionDim)
 * @param norms               per image, or across the frames folded into the batch
 * @param frames              int64 (1): F when N = B*F frames of videos (needed by {@link BlockHooks}
 *                            that mix frames); empty for images
 * @param attention           how every attention layer of the transformers attends
 */
public record BlockContext(Value temb, Value encoderHiddenStates, NormScope norms, Optional<Value> frames,
                           AttentionProcessor attention) {

    public BlockContext {
        Objects.requireNonNull(attention, "attention");
    }

    /** An image UNet's context: no frames, fused attention. */
    public BlockContext(Value temb, Value encoderHiddenStates, NormScope norms) {
        this(temb, encoderHiddenStates, norms, Optional.empty(), AttentionProcessor.FUSED);
    }

    /** A context with fused attention. */
    public BlockContext(Value temb, Value encoderHiddenStates, NormScope norms, Optional<Value> frames) {
        this(temb, encoderHiddenStates, norms, frames, AttentionProcessor.FUSED);
    }

    /** This context with every attention through {@code processor}. */
    public BlockContext withAttention(AttentionProcessor processor) {
        return new BlockContext(temb, encoderHiddenStates, norms, frames, processor);
    }

    /** F, for layers that work across the frames of each video; fails for an image UNet. */
    public Value requireFrames() {
        return frames.orElseThrow(() -> new IllegalStateException("a temporal layer needs the frame count, "
                + "but this UNet graph was built for images"));
    }
}
