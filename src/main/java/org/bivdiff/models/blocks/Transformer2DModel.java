package org.bivdiff.models.blocks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/transformer_2d.py::Transformer2DModel for continuous inputs: GroupNorm
 * (eps 1e-6), {@code proj_in} (a 1x1 conv, or a linear layer on the tokens with
 * {@code use_linear_projection}), {@link BasicTransformerBlock}s over the H*W tokens,
 * {@code proj_out}, plus the input.
 */
public final class Transformer2DModel {

    private static final float NORM_EPS = 1e-6f;

    /**
     * @param inChannels          channels in and out
     * @param heads               attention heads
     * @param dimHead             channels per head (inner width = heads * dimHead)
     * @param layers              transformer blocks
     * @param crossAttentionDim   width of the encoder hidden states
     * @param groups              GroupNorm groups
     * @param useLinearProjection linear proj_in / proj_out on tokens instead of 1x1 convs
     */
    public record Config(int inChannels, int heads, int dimHead, int layers, int crossAttentionDim, int groups,
                         boolean useLinearProjection) {
    }

    private final Config cfg;
    private final GroupNorm norm;
    private final Conv2d projInConv;
    private final Linear projInLinear;
    private final List<BasicTransformerBlock> transformerBlocks = new ArrayList<>();
    private final Conv2d projOutConv;
    private final Linear projOutLinear;

    public Transformer2DModel(Weights w, Config cfg) {
        this.cfg = cfg;
        int inner = cfg.heads() * cfg.dimHead();
        norm = GroupNorm.load(w.child("norm"), cfg.inChannels(), cfg.groups(), NORM_EPS);
        boolean linear = cfg.useLinearProjection();
        projInConv = linear ? null : Conv2d.load1x1(w.child("proj_in"), cfg.inChannels(), inner);
        projInLinear = linear ? Linear.load(w.child("proj_in"), cfg.inChannels(), inner) : null;
        for (int i = 0; i < cfg.layers(); i++) {
            transformerBlocks.add(new BasicTransformerBlock(w.child("transformer_blocks").child(i),
                    new BasicTransformerBlock.Config(inner, cfg.heads(), cfg.dimHead(), cfg.crossAttentionDim())));
        }
        projOutConv = linear ? null : Conv2d.load1x1(w.child("proj_out"), inner, cfg.inChannels());
        projOutLinear = linear ? Linear.load(w.child("proj_out"), inner, cfg.inChannels()) : null;
    }

    /** BasicTransformerBlocks in this model; each runs a self-attention, then a cross-attention. */
    public int depth() {
        return transformerBlocks.size();
    }

    /** Attention heads of each of its BasicTransformerBlocks. */
    public int heads() {
        return cfg.heads();
    }

    /** The heads of each BasicTransformerBlock of {@code transformers}, in the order they run. */
    static List<Integer> blockHeads(List<Transformer2DModel> transformers) {
        return transformers.stream().flatMap(t -> Collections.nCopies(t.depth(), t.heads()).stream()).toList();
    }

    /**
     * @param x                   (N, C, H, W)
     * @param encoderHiddenStates (N, L, crossAttentionDim)
     * @return (N, C, H, W)
     */
    public Value forward(Graph g, Value x, Value encoderHiddenStates) {
        return forward(g, x, encoderHiddenStates, AttentionProcessor.FUSED);
    }

    /** As {@link #forward(Graph, Value, Value)}, every attention through {@code processor}. */
    public Value forward(Graph g, Value x, Value encoderHiddenStates, AttentionProcessor processor) {
        return forward(g, x, encoderHiddenStates, processor, (tokens, layer) -> tokens);
    }

    /**
     * As spatial transformer {@code index} of a UNet block: the context's text and attention processor, and
     * the layer {@code hooks} inserts after the cross-attention of each BasicTransformerBlock.
     *
     * @param x (N, C, H, W)
     * @return (N, C, H, W)
     */
    public Value forward(Graph g, Value x, BlockContext ctx, BlockHooks hooks, int index) {
        return forward(g, x, ctx.encoderHiddenStates(), ctx.attention(),
                (tokens, layer) -> hooks.afterCrossAttention(g, tokens, index, layer, ctx));
    }

    /** What runs after the cross-attention of BasicTransformerBlock {@code layer}: tokens (N, H*W, inner) in and out. */
    @FunctionalInterface
    private interface AfterCrossAttention {
        Value apply(Value tokens, int layer);
    }

    private Value forward(Graph g, Value x, Value encoderHiddenStates, AttentionProcessor processor,
                          AfterCrossAttention after) {
        Value h = norm.forward(g, x);
        if (!cfg.useLinearProjection()) {
            h = projInConv.forward(g, h);                                            // (N, inner, H, W)
        }
        h = g.transpose(g.reshape(h, 0, 0, -1), 0, 2, 1);                         // (N, H*W, C or inner)
        if (cfg.useLinearProjection()) {
            h = projInLinear.forward3d(g, h);                                        // (N, H*W, inner)
        }
        for (int i = 0; i < transformerBlocks.size(); i++) {
            int layer = i;
            h = transformerBlocks.get(i).forward(g, h, encoderHiddenStates, processor, t -> after.apply(t, layer));
        }
        if (cfg.useLinearProjection()) {
            h = projOutLinear.forward3d(g, h);                                       // (N, H*W, C)
        }
        Value spatialShape = g.concat(0, g.slice(g.shape(x), new long[] {0}, new long[] {1}, new long[] {0}),
                g.longs(-1), g.slice(g.shape(x), new long[] {2}, new long[] {4}, new long[] {0}));
        h = g.reshape(g.transpose(h, 0, 2, 1), spatialShape);                       // (N, C or inner, H, W)
        if (!cfg.useLinearProjection()) {
            h = projOutConv.forward(g, h);                                           // (N, C, H, W)
        }
        return g.add(h, x);
    }
}
