package org.bivdiff.models.controlnet;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;

/**
 * Port of diffusers models/controlnet.py::ControlNetConditioningEmbedding: the conditioning image
 * from pixel space to the latent grid. {@code conv_in}, then per step a 3x3 conv and a stride-2 3x3
 * conv ({@code blocks.<2i>}, {@code blocks.<2i+1>}), SiLU after each, and the zero-initialised
 * {@code conv_out} to block_out_channels[0].
 */
final class ControlNetConditioningEmbedding {

    private final Conv2d convIn;
    private final List<Conv2d> blocks = new ArrayList<>();
    private final Conv2d convOut;

    ControlNetConditioningEmbedding(Weights w, int conditioningChannels, int[] channels, int embeddingChannels) {
        convIn = Conv2d.load3x3(w.child("conv_in"), conditioningChannels, channels[0]);
        for (int i = 0; i < channels.length - 1; i++) {
            blocks.add(Conv2d.load3x3(w.child("blocks").child(2 * i), channels[i], channels[i]));
            blocks.add(Conv2d.load(w.child("blocks").child(2 * i + 1), channels[i], channels[i + 1], 3, 2, 1));
        }
        convOut = Conv2d.load3x3(w.child("conv_out"), channels[channels.length - 1], embeddingChannels);
    }

    /** cond: (N, conditioningChannels, H * f, W * f) -> (N, embeddingChannels, H, W). */
    Value forward(Graph g, Value cond) {
        Value h = g.silu(convIn.forward(g, cond));
        for (Conv2d block : blocks) {
            h = g.silu(block.forward(g, h));
        }
        return convOut.forward(g, h);
    }
}
