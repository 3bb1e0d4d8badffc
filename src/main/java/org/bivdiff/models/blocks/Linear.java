package org.bivdiff.models.blocks;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * torch.nn.Linear: {@code weight} (out, in), optional {@code bias} (out). Runs as one {@code Gemm}
 * with the weight transposed in the op, so the stored weight is used as it is in the file.
 */
public final class Linear {

    private final ExternalTensor weight;
    private final ExternalTensor bias;

    private Linear(ExternalTensor weight, ExternalTensor bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** Loads a linear layer with a bias. */
    public static Linear load(Weights w, int in, int out) {
        return new Linear(w.tensor("weight", out, in), w.tensor("bias", out));
    }

    /** Loads a linear layer whose bias is present or absent as {@code bias} says. */
    public static Linear load(Weights w, int in, int out, boolean bias) {
        return new Linear(w.tensor("weight", out, in), bias ? w.tensor("bias", out) : null);
    }

    public int inFeatures() {
        return (int) weight.shape()[1];
    }

    public int outFeatures() {
        return (int) weight.shape()[0];
    }

    /** x: (M, in) -> (M, out). */
    public Value forward2d(Graph g, Value x) {
        return g.gemm(x, g.weight(weight), bias == null ? Graph.NONE : g.weight(bias));
    }

    /**
     * Output features {@code [from, to)} of {@link #forward3d}: one Gemm with those rows of the weight and
     * bias (read where they lie in the file), so that the parts of a wide projection are written where they are used, not split out of one
     * output afterwards. Each feature is the same dot product as in the whole projection.
     *
     * <p>x: (B, S, in) -> (B, S, to - from).
     */
    public Value forward3d(Graph g, Value x, int from, int to) {
        Linear part = new Linear(weight.rows(from, to), bias == null ? null : bias.rows(from, to));
        return part.forward3d(g, x);                                                 // (B, S, to - from)
    }

    /** x: (B, S, in) -> (B, S, out). */
    public Value forward3d(Graph g, Value x) {
        Value flat = g.reshape(x, -1, inFeatures());                                // (B*S, in)
        Value y = forward2d(g, flat);                                                // (B*S, out)
        Value leading = g.slice(g.shape(x), new long[] {0}, new long[] {2}, new long[] {0});
        return g.reshape(y, g.concat(0, leading, g.longs(outFeatures())));          // (B, S, out)
    }
}
