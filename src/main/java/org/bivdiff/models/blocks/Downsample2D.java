package org.bivdiff.models.blocks;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/resnet.py::Downsample2D with {@code use_conv=True}: a stride-2 3x3 conv.
 * With {@code padding=0} (the VAE encoder) the input is first padded by one pixel on the right and
 * bottom only, as diffusers does.
 */
public final class Downsample2D {

    private final Conv2d conv;
    private final int padding;

    public Downsample2D(Weights w, int channels, int outChannels, int padding) {
        this.padding = padding;
        this.conv = Conv2d.load(w.child("conv"), channels, outChannels, 3, 2, padding);
    }

    /** x: (N, C, H, W) -> (N, C', H/2, W/2). */
    public Value forward(Graph g, Value x) {
        Value h = padding == 0 ? g.pad2d(x, 0, 0, 1, 1) : x;
        return conv.forward(g, h);
    }
}
