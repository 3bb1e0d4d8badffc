package org.bivdiff.models.blocks;

import org.bivdiff.graph.Value;

/**
 * What every block of a UNet sees besides its input: the time embedding, the text embedding and how
 * its resnets' GroupNorms take statistics.
 *
 * @param temb                (N, tembChannels)
 * @param encoderHiddenStates (N, L, crossAttentionDim)
 * @param norms               per image, or across the frames folded into the batch
 */
public record BlockContext(Value temb, Value encoderHiddenStates, NormScope norms) {
}
