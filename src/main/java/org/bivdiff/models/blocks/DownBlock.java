package org.bivdiff.models.blocks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * A level of a UNet's contracting path: port of diffusers models/unet_2d_blocks.py::CrossAttnDownBlock2D
 * ((resnet, transformer) pairs) and ::DownBlock2D (resnets only). Each resnet's (or pair's) output is a
 * skip connection, then an optional stride-2 downsampler's output is one more.
 *
 * <p>A T2I-Adapter feature goes where diffusers 0.23 adds it. CrossAttnDownBlock2D adds it to the output
 * of the last pair, before the skip and the downsampler. For DownBlock2D, unet_2d_condition.py adds it
 * to the block's output in place ({@code sample += down_intrablock_additional_residuals.pop(0)}), and
 * the output tensor is also the block's last skip connection, so that skip carries the feature too; this
 * port reproduces that on purpose.
 */
public final class DownBlock {

    /**
     * @param hidden     (N, out, H', W'): the block's output
     * @param resSamples the skip connections it hands to the up path, in order
     */
    public record Output(Value hidden, List<Value> resSamples) {
    }

    private final UNetBlockConfig cfg;
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();       // empty for DownBlock2D
    private final Downsample2D downsampler;
    private final BlockHooks hooks;

    private DownBlock(Weights w, UNetBlockConfig cfg, boolean crossAttention, BlockHooks.Loader hookLoader) {
        this.cfg = cfg;
        for (int i = 0; i < cfg.numLayers(); i++) {
            int in = i == 0 ? cfg.inChannels() : cfg.outChannels();
            resnets.add(new ResnetBlock2D(w.child("resnets").child(i), cfg.resnet(in, cfg.outChannels())));
            if (crossAttention) {
                attentions.add(new Transformer2DModel(w.child("attentions").child(i),
                        cfg.transformer(cfg.outChannels())));
            }
        }
        downsampler = cfg.addResample() ? new Downsample2D(w.child("downsamplers").child(0), cfg.outChannels(),
                cfg.outChannels(), cfg.downsamplePadding()) : null;
        hooks = hookLoader.load(w, cfg, resnets.size(), attentions.size());
    }

    /**
     * A CrossAttnDownBlock2D, with layers {@code hookLoader} loads inserted after each resnet and
     * transformer (the 3D UNet's CrossAttnDownBlock3D).
     */
    public static DownBlock crossAttnDownBlock2D(Weights w, UNetBlockConfig cfg, BlockHooks.Loader hookLoader) {
        return new DownBlock(w, cfg, true, hookLoader);
    }

    /** A DownBlock2D, with layers {@code hookLoader} loads inserted after each resnet (the 3D UNet's DownBlock3D). */
    public static DownBlock downBlock2D(Weights w, UNetBlockConfig cfg, BlockHooks.Loader hookLoader) {
        return new DownBlock(w, cfg, false, hookLoader);
    }

    /**
     * @param x                    (N, in, H, W)
     * @param additionalResidual   a T2I-Adapter feature (N, out, H, W) to add as diffusers 0.23 does
     *                             ({@code down_intrablock_additional_residuals}), or empty
     */
    public Output forward(Graph g, Value x, BlockContext ctx, Optional<Value> additionalResidual) {
        List<Value> outputStates = new ArrayList<>();
        Value h = x;
        for (int i = 0; i < resnets.size(); i++) {
            h = resnets.get(i).forward(g, h, ctx.temb(), ctx.norms());
            h = hooks.afterResnet(g, h, i, ctx);
            if (hasCrossAttention()) {
                h = attentions.get(i).forward(g, h, ctx, hooks, i);
                h = hooks.afterAttention(g, h, i, ctx);
                if (i == resnets.size() - 1 && additionalResidual.isPresent()) {
                    h = g.add(h, additionalResidual.get());
                }
            }
            outputStates.add(h);
        }
        if (downsampler != null) {
            h = downsampler.forward(g, h);
            outputStates.add(h);
        }
        if (!hasCrossAttention() && additionalResidual.isPresent()) {
            h = g.add(h, additionalResidual.get());
            outputStates.set(outputStates.size() - 1, h);                             // the in-place add
        }
        return new Output(h, outputStates);
    }

    /** The heads of each BasicTransformerBlock of this block's transformers, in the order they run (none without). */
    public List<Integer> transformerHeads() {
        return Transformer2DModel.blockHeads(attentions);
    }

    /** True for a CrossAttnDownBlock2D, false for a DownBlock2D. */
    public boolean hasCrossAttention() {
        return !attentions.isEmpty();
    }

    /** Skip connections this block produces: one per resnet, plus one for the downsampler. */
    public int resSampleCount() {
        return resnets.size() + (downsampler == null ? 0 : 1);
    }

    public int outChannels() {
        return cfg.outChannels();
    }

    /** True if the block halves the resolution. */
    public boolean downsamples() {
        return downsampler != null;
    }
}
