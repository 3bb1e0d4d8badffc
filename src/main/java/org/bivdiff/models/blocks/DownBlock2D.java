package org.bivdiff.models.blocks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/unet_2d_blocks.py::DownBlock2D: resnets, each output a skip connection,
 * then an optional stride-2 downsampler whose output is one more.
 *
 * <p>A T2I-Adapter feature is added to the block's output. diffusers 0.23
 * (unet_2d_condition.py, {@code sample += down_intrablock_additional_residuals.pop(0)}) adds it in
 * place, and the output tensor is also the block's last skip connection, so that skip carries the
 * feature too; this port reproduces that on purpose.
 */
public final class DownBlock2D implements DownBlock {

    private final UNetBlockConfig cfg;
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Downsample2D downsampler;
    private final BlockHooks hooks;

    public DownBlock2D(Weights w, UNetBlockConfig cfg) {
        this(w, cfg, BlockHooks.Loader.NONE);
    }

    /** A block with layers inserted after each resnet (the 3D UNet's DownBlock3D). */
    public DownBlock2D(Weights w, UNetBlockConfig cfg, BlockHooks.Loader hookLoader) {
        this.cfg = cfg;
        for (int i = 0; i < cfg.numLayers(); i++) {
            int in = i == 0 ? cfg.inChannels() : cfg.outChannels();
            resnets.add(new ResnetBlock2D(w.child("resnets").child(i), cfg.resnet(in, cfg.outChannels())));
        }
        downsampler = cfg.addResample() ? new Downsample2D(w.child("downsamplers").child(0), cfg.outChannels(),
                cfg.outChannels(), cfg.downsamplePadding()) : null;
        hooks = hookLoader.load(w, cfg, cfg.numLayers(), 0);
    }

    @Override
    public Output forward(Graph g, Value x, BlockContext ctx, Optional<Value> additionalResidual) {
        List<Value> outputStates = new ArrayList<>();
        Value h = x;
        for (int i = 0; i < resnets.size(); i++) {
            h = resnets.get(i).forward(g, h, ctx.temb(), ctx.norms());
            h = hooks.afterResnet(g, h, i, ctx);
            outputStates.add(h);
        }
        if (downsampler != null) {
            h = downsampler.forward(g, h);
            outputStates.add(h);
        }
        if (additionalResidual.isPresent()) {
            h = g.add(h, additionalResidual.get());
            outputStates.set(outputStates.size() - 1, h);                             // the in-place add
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
