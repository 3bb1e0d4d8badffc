package org.bivdiff.models.blocks;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/** torch.nn.LayerNorm over the last axis with affine {@code weight} and {@code bias} (D). */
public final class LayerNorm {

    private final ExternalTensor weight;
    private final ExternalTensor bias;
    private final float eps;

    private LayerNorm(ExternalTensor weight, ExternalTensor bias, float eps) {
        this.weight = weight;
        this.bias = bias;
        this.eps = eps;
    }

    public static LayerNorm load(Weights w, int dim, float eps) {
        return new LayerNorm(w.tensor("weight", dim), w.tensor("bias", dim), eps);
    }

    /** x: (..., D) -> (..., D), statistics over the last axis. */
    public Value forward(Graph g, Value x) {
        return g.layerNorm(x, g.weight(weight), g.weight(bias), eps);
    }
}
