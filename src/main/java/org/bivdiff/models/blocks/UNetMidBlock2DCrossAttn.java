package org.bivdiff.models.blocks;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/unet_2d_blocks.py::UNetMidBlock2DCrossAttn: a resnet, then for each
 * layer a Transformer2DModel and a resnet, all at {@code inChannels}.
 */
public final class UNetMidBlock2DCrossAttn {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final BlockHooks hooks;

    /** {@code cfg.inChannels()} is the width; {@code numLayers} counts the transformer + resnet pairs (1 in SD). */
    public UNetMidBlock2DCrossAttn(Weights w, UNetBlockConfig cfg) {
        this(w, cfg, BlockHooks.Loader.NONE);
    }

    /** A mid block with layers inserted after each resnet and transformer (the 3D UNet's UNetMidBlock3DCrossAttn). */
    public UNetMidBlock2DCrossAttn(Weights w, UNetBlockConfig cfg, BlockHooks.Loader hookLoader) {
        int c = cfg.inChannels();
        resnets.add(new ResnetBlock2D(w.child("resnets").child(0), cfg.resnet(c, c)));
        for (int i = 0; i < cfg.numLayers(); i++) {
            attentions.add(new Transformer2DModel(w.child("attentions").child(i), cfg.transformer(c)));
            resnets.add(new ResnetBlock2D(w.child("resnets").child(i + 1), cfg.resnet(c, c)));
        }
        hooks = hookLoader.load(w, cfg, cfg.numLayers() + 1, cfg.numLayers());
    }

    /** The heads of each BasicTransformerBlock of this block's transformers, in the order they run (none without). */
    public List<Integer> transformerHeads() {
        return Transformer2DModel.blockHeads(attentions);
    }

    /** x: (N, C, H, W) -> (N, C, H, W). */
    public Value forward(Graph g, Value x, BlockContext ctx) {
        Value h = resnets.getFirst().forward(g, x, ctx.temb(), ctx.norms());
        h = hooks.afterResnet(g, h, 0, ctx);
        for (int i = 0; i < attentions.size(); i++) {
            h = attentions.get(i).forward(g, h, ctx, hooks, i);
            h = hooks.afterAttention(g, h, i, ctx);
            h = resnets.get(i + 1).forward(g, h, ctx.temb(), ctx.norms());
            h = hooks.afterResnet(g, h, i + 1, ctx);
        }
        return h;
    }
}
