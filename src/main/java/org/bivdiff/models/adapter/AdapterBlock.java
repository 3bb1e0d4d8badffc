package org.bivdiff.models.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bivdiff.graph.Attr;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;

/**
 * Port of diffusers models/adapter.py::AdapterBlock: an optional 2x2 average pool (ceil mode), a
 * 1x1 {@code in_conv} when the width changes, then AdapterResnetBlocks ({@code resnets.<j>}).
 */
final class AdapterBlock {

    /** diffusers' AdapterResnetBlock: 3x3 {@code block1}, ReLU, 1x1 {@code block2}, plus the input. */
    private record AdapterResnetBlock(Conv2d block1, Conv2d block2) {

        static AdapterResnetBlock load(Weights w, int channels) {
            return new AdapterResnetBlock(Conv2d.load3x3(w.child("block1"), channels, channels),
                    Conv2d.load1x1(w.child("block2"), channels, channels));
        }

        Value forward(Graph g, Value x) {
            Value h = g.node("Relu", List.of(block1.forward(g, x)), List.of());
            return g.add(block2.forward(g, h), x);
        }
    }

    private final boolean down;
    private final Optional<Conv2d> inConv;
    private final List<AdapterResnetBlock> resnets = new ArrayList<>();

    AdapterBlock(Weights w, int in, int out, int numResBlocks, boolean down) {
        this.down = down;
        this.inConv = in == out ? Optional.empty() : Optional.of(Conv2d.load1x1(w.child("in_conv"), in, out));
        for (int j = 0; j < numResBlocks; j++) {
            resnets.add(AdapterResnetBlock.load(w.child("resnets").child(j), out));
        }
    }

    /** x: (N, in, H, W) -> (N, out, H', W'), H' = ceil(H / 2) with downsampling. */
    Value forward(Graph g, Value x) {
        Value h = x;
        if (down) {
            // AvgPool2d(2, 2, ceil_mode=True): clipped border windows average their valid pixels
            h = g.node("AveragePool", List.of(h), List.of(Attr.ints("kernel_shape", 2, 2), Attr.ints("strides", 2, 2),
                    Attr.i("ceil_mode", 1), Attr.i("count_include_pad", 0)));
        }
        if (inConv.isPresent()) {
            h = inConv.get().forward(g, h);
        }
        for (AdapterResnetBlock r : resnets) {
            h = r.forward(g, h);
        }
        return h;
    }
}
