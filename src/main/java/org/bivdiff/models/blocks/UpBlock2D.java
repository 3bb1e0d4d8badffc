package org.bivdiff.models.blocks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/unet_2d_blocks.py::UpBlock2D: for each layer, the input concatenated
 * with a skip connection (the last one first) and a resnet; then an optional upsampler.
 */
public final class UpBlock2D implements UpBlock {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Upsample2D upsampler;
    private final BlockHooks hooks;

    public UpBlock2D(Weights w, UNetBlockConfig cfg) {
        this(w, cfg, BlockHooks.Loader.NONE);
    }

    /** A block with layers inserted after each resnet (the 3D UNet's UpBlock3D). */
    public UpBlock2D(Weights w, UNetBlockConfig cfg, BlockHooks.Loader hookLoader) {
        int out = cfg.outChannels();
        for (int i = 0; i < cfg.numLayers(); i++) {
            int resSkip = i == cfg.numLayers() - 1 ? cfg.inChannels() : out;
            int resnetIn = i == 0 ? cfg.prevOutputChannels() : out;
            resnets.add(new ResnetBlock2D(w.child("resnets").child(i), cfg.resnet(resnetIn + resSkip, out)));
        }
        upsampler = cfg.addResample() ? new Upsample2D(w.child("upsamplers").child(0), out, out) : null;
        hooks = hookLoader.load(w, cfg, cfg.numLayers(), 0);
    }

    @Override
    public Value forward(Graph g, Value x, List<Value> resSamples, BlockContext ctx, Optional<Value> upsampleTo) {
        UpBlocks.checkSkips(resSamples, resnets.size());
        Value h = x;
        for (int i = 0; i < resnets.size(); i++) {
            h = UpBlocks.withSkip(g, h, resSamples, i);
            h = resnets.get(i).forward(g, h, ctx.temb(), ctx.norms());
            h = hooks.afterResnet(g, h, i, ctx);
        }
        return upsampler == null ? h : upsampler.forward(g, h, upsampleTo.orElseThrow());
    }

    @Override
    public int resnetCount() {
        return resnets.size();
    }
}
