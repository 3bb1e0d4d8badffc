package org.bivdiff.models.blocks;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/embeddings.py::TimestepEmbedding without a condition projection or post
 * activation: {@code linear_1}, act, {@code linear_2}.
 */
public final class TimestepEmbedding {

    private final Linear linear1;
    private final Linear linear2;
    private final Activation act;

    /**
     * @param inChannels     width of the sinusoidal embedding
     * @param timeEmbedDim   output width (4 x block_out_channels[0] in the UNets)
     */
    public TimestepEmbedding(Weights w, int inChannels, int timeEmbedDim, Activation act) {
        this.linear1 = Linear.load(w.child("linear_1"), inChannels, timeEmbedDim);
        this.linear2 = Linear.load(w.child("linear_2"), timeEmbedDim, timeEmbedDim);
        this.act = act;
    }

    /** sample: (N, inChannels) -> (N, timeEmbedDim). */
    public Value forward(Graph g, Value sample) {
        return linear2.forward2d(g, act.apply(g, linear1.forward2d(g, sample)));
    }
}
