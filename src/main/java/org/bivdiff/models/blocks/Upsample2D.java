package org.bivdiff.models.blocks;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/** Port of diffusers models/resnet.py::Upsample2D with {@code use_conv=True}: nearest x2, then a 3x3 conv. */
public final class Upsample2D {

    private final Conv2d conv;

    public Upsample2D(Weights w, int channels, int outChannels) {
        this.conv = Conv2d.load3x3(w.child("conv"), channels, outChannels);
    }

    /** x: (N, C, H, W) -> (N, C', 2H, 2W). */
    public Value forward(Graph g, Value x) {
        return conv.forward(g, g.upsampleNearest(x, 2f));
    }
}
