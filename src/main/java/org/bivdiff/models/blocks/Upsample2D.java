package org.bivdiff.models.blocks;

import java.util.List;

import org.bivdiff.graph.Attr;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/resnet.py::Upsample2D with {@code use_conv=True}: nearest x2 (or to an
 * explicit {@code output_size}), then a 3x3 conv.
 */
public final class Upsample2D {

    private final Conv2d conv;

    public Upsample2D(Weights w, int channels, int outChannels) {
        this.conv = Conv2d.load3x3(w.child("conv"), channels, outChannels);
    }

    /** x: (N, C, H, W) -> (N, C', 2H, 2W). */
    public Value forward(Graph g, Value x) {
        return conv.forward(g, g.upsampleNearest(x, 2f));
    }

    /**
     * Nearest-neighbour upsampling to the H and W of {@code sizeLike}, then the conv: diffusers'
     * {@code output_size}, which lets a UNet take latents whose sides are not multiples of
     * 2^(levels-1). For sides that are, it equals the x2 upsampling.
     *
     * @param x        (N, C, H, W)
     * @param sizeLike (N', C', H2, W2)
     * @return (N, C', H2, W2)
     */
    public Value forward(Graph g, Value x, Value sizeLike) {
        Value sizes = g.concat(0, g.slice(g.shape(x), new long[] {0}, new long[] {2}, new long[] {0}),
                g.slice(g.shape(sizeLike), new long[] {2}, new long[] {4}, new long[] {0}));
        Value up = g.node("Resize", List.of(x, Graph.NONE, Graph.NONE, sizes), List.of(Attr.s("mode", "nearest"),
                Attr.s("coordinate_transformation_mode", "asymmetric"), Attr.s("nearest_mode", "floor")));
        return conv.forward(g, up);
    }
}
