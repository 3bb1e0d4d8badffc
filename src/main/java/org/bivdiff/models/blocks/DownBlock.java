package org.bivdiff.models.blocks;

import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;

/** A level of a UNet's contracting path: {@link CrossAttnDownBlock2D} or {@link DownBlock2D}. */
public sealed interface DownBlock permits CrossAttnDownBlock2D, DownBlock2D {

    /**
     * @param hidden     (N, out, H', W'): the block's output
     * @param resSamples the skip connections it hands to the up path, in order
     */
    record Output(Value hidden, List<Value> resSamples) {
    }

    /**
     * @param x                    (N, in, H, W)
     * @param additionalResidual   a T2I-Adapter feature (N, out, H, W) to add as diffusers 0.23 does
     *                             ({@code down_intrablock_additional_residuals}), or empty
     */
    Output forward(Graph g, Value x, BlockContext ctx, Optional<Value> additionalResidual);

    /** Skip connections this block produces: one per resnet, plus one for the downsampler. */
    int resSampleCount();

    int outChannels();

    /** True if the block halves the resolution. */
    boolean downsamples();
}
