package org.bivdiff.models.blocks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/unet_2d_blocks.py::CrossAttnDownBlock2D: (resnet, transformer) pairs,
 * each output a skip connection, then an optional stride-2 downsampler whose output is one more.
 * A T2I-Adapter feature is added to the output of the last pair, before the skip and the downsampler.
 */
public final class CrossAttnDownBlock2D implements DownBlock {

    private final UNetBlockConfig cfg;
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final Downsample2D downsampler;
    private final BlockHooks hooks;

    public CrossAttnDownBlock2D(Weights w, UNetBlockConfig cfg) {
        this(w, cfg, BlockHooks.Loader.NONE);
    }

    /** A block with layers inserted after each resnet and transformer (the 3D UNet's CrossAttnDownBlock3D). */
    public CrossAttnDownBlock2D(Weights w, UNetBlockConfig cfg, BlockHooks.Loader hookLoader) {
        this.cfg = cfg;
        for (int i = 0; i < cfg.numLayers(); i++) {
            int in = i == 0 ? cfg.inChannels() : cfg.outChannels();
            resnets.add(new ResnetBlock2D(w.child("resnets").child(i), cfg.resnet(in, cfg.outChannels())));
            attentions.add(new Transformer2DModel(w.child("attentions").child(i), cfg.transformer(cfg.outChannels())));
        }
        downsampler = cfg.addResample() ? new Downsample2D(w.child("downsamplers").child(0), cfg.outChannels(),
                cfg.outChannels(), cfg.downsamplePadding()) : null;
        hooks = hookLoader.load(w, cfg, cfg.numLayers(), cfg.numLayers());
    }

    @Override
    public Output forward(Graph g, Value x, BlockContext ctx, Optional<Value> additionalResidual) {
        List<Value> outputStates = new ArrayList<>();
        Value h = x;
        for (int i = 0; i < resnets.size(); i++) {
            h = resnets.get(i).forward(g, h, ctx.temb(), ctx.norms());
            h = hooks.afterResnet(g, h, i, ctx);
            h = attentions.get(i).forward(g, h, ctx.encoderHiddenStates());
            h = hooks.afterAttention(g, h, i, ctx);
            if (i == resnets.size() - 1 && additionalResidual.isPresent()) {
                h = g.add(h, additionalResidual.get());
            }
            outputStates.add(h);
        }
        if (downsampler != null) {
            h = downsampler.forward(g, h);
            outputStates.add(h);
        }
        return new Output(h, outputStates);
    }

    @Override
    public int resSampleCount() {
        return resnets.size() + (downsampler == null ? 0 : 1);
    }

    @Override
    public int outChannels() {
        return cfg.outChannels();
    }

    @Override
    public boolean downsamples() {
        return downsampler != null;
    }
}
