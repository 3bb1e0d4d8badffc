package org.bivdiff.models.blocks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * A level of a UNet's expanding path: port of diffusers models/unet_2d_blocks.py::CrossAttnUpBlock2D and
 * ::UpBlock2D. For each layer, the input concatenated with a skip connection (the last one first), a
 * resnet and, in CrossAttnUpBlock2D, a Transformer2DModel; then an optional nearest-neighbour upsampler
 * and a 3x3 conv.
 */
public final class UpBlock {

    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();       // empty for UpBlock2D
    private final Upsample2D upsampler;
    private final BlockHooks hooks;

    private UpBlock(Weights w, UNetBlockConfig cfg, boolean crossAttention, BlockHooks.Loader hookLoader) {
        int out = cfg.outChannels();
        for (int i = 0; i < cfg.numLayers(); i++) {
            int resSkip = i == cfg.numLayers() - 1 ? cfg.inChannels() : out;
            int resnetIn = i == 0 ? cfg.prevOutputChannels() : out;
            resnets.add(new ResnetBlock2D(w.child("resnets").child(i), cfg.resnet(resnetIn + resSkip, out)));
            if (crossAttention) {
                attentions.add(new Transformer2DModel(w.child("attentions").child(i), cfg.transformer(out)));
            }
        }
        upsampler = cfg.addResample() ? new Upsample2D(w.child("upsamplers").child(0), out, out) : null;
        hooks = hookLoader.load(w, cfg, resnets.size(), attentions.size());
    }

    /**
     * A CrossAttnUpBlock2D, with layers {@code hookLoader} loads inserted after each resnet and
     * transformer (the 3D UNet's CrossAttnUpBlock3D).
     */
    public static UpBlock crossAttnUpBlock2D(Weights w, UNetBlockConfig cfg, BlockHooks.Loader hookLoader) {
        return new UpBlock(w, cfg, true, hookLoader);
    }

    /** An UpBlock2D, with layers {@code hookLoader} loads inserted after each resnet (the 3D UNet's UpBlock3D). */
    public static UpBlock upBlock2D(Weights w, UNetBlockConfig cfg, BlockHooks.Loader hookLoader) {
        return new UpBlock(w, cfg, false, hookLoader);
    }

    /**
     * @param x          (N, prevOut, H, W)
     * @param resSamples this level's skip connections in the order the down path made them; the last
     *                   one is concatenated first
     * @param upsampleTo a tensor whose H and W the upsampler must produce (diffusers'
     *                   {@code upsample_size}: the next skip connection); empty for a block without one
     * @return (N, out, H', W')
     */
    public Value forward(Graph g, Value x, List<Value> resSamples, BlockContext ctx, Optional<Value> upsampleTo) {
        if (resSamples.size() != resnets.size()) {
            throw new IllegalArgumentException("up block expects " + resnets.size() + " skip connections, got "
                    + resSamples.size());
        }
        Value h = x;
        for (int i = 0; i < resnets.size(); i++) {
            Value skip = resSamples.get(resSamples.size() - 1 - i);                      // as diffusers pops them
            h = g.concat(1, h, skip);                                                    // (N, C + C_skip, H, W)
            h = resnets.get(i).forward(g, h, ctx.temb(), ctx.norms());
            h = hooks.afterResnet(g, h, i, ctx);
            if (!attentions.isEmpty()) {
                h = attentions.get(i).forward(g, h, ctx, hooks, i);
                h = hooks.afterAttention(g, h, i, ctx);
            }
        }
        return upsampler == null ? h : upsampler.forward(g, h, upsampleTo.orElseThrow());
    }

    /** The heads of each BasicTransformerBlock of this block's transformers, in the order they run (none without). */
    public List<Integer> transformerHeads() {
        return Transformer2DModel.blockHeads(attentions);
    }

    /** True if the block ends with an upsampler. */
    public boolean upsamples() {
        return upsampler != null;
    }

    /** Skip connections this block consumes (one per resnet). */
    public int resnetCount() {
        return resnets.size();
    }
}
