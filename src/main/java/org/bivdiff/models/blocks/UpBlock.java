package org.bivdiff.models.blocks;

import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;

/** A level of a UNet's expanding path: {@link CrossAttnUpBlock2D} or {@link UpBlock2D}. */
public sealed interface UpBlock permits CrossAttnUpBlock2D, UpBlock2D {

    /**
     * @param x          (N, prevOut, H, W)
     * @param resSamples this level's skip connections in the order the down path made them; the last
     *                   one is concatenated first
     * @param upsampleTo a tensor whose H and W the upsampler must produce (diffusers'
     *                   {@code upsample_size}: the next skip connection); empty for a block without one
     * @return (N, out, H', W')
     */
    Value forward(Graph g, Value x, List<Value> resSamples, BlockContext ctx, Optional<Value> upsampleTo);

    /** Skip connections this block consumes (one per resnet). */
    int resnetCount();
}
