package org.bivdiff.models.dpt;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of transformers models/bit/modeling_bit.py::WeightStandardizedConv2d as BiT-hybrid builds it: a bias-free
 * convolution whose weight is standardised per output channel before use ({@code batch_norm} of the weight viewed
 * as (1, out, in * k * k) in training mode: biased variance, epsilon 1e-8), with TensorFlow 'SAME' padding (static
 * for stride 1, dynamic otherwise; both are ONNX {@code SAME_UPPER}). The standardisation is part of the graph, on
 * the stored weight, so ONNX Runtime folds it once at load.
 */
final class WeightStandardizedConv2d {

    private static final float EPS = 1e-8f;

    private final ExternalTensor weight;
    private final int stride;

    private WeightStandardizedConv2d(ExternalTensor weight, int stride) {
        this.weight = weight;
        this.stride = stride;
    }

    static WeightStandardizedConv2d load(Weights w, int in, int out, int kernel, int stride) {
        return new WeightStandardizedConv2d(w.tensor("weight", out, in, kernel, kernel), stride);
    }

    /** x: (N, in, H, W) -> (N, out, ceil(H / stride), ceil(W / stride)). */
    Value forward(Graph g, Value x) {
        long[] shape = weight.shape();
        Value w = g.reshape(g.weight(weight), shape[0], -1);                        // (out, in * k * k)
        Value centred = g.sub(w, g.reduceMean(w, 1));
        Value variance = g.reduceMean(g.mul(centred, centred), 1);                    // (out, 1), biased
        Value invStd = g.div(g.scalar(1f), g.sqrt(g.add(variance, g.scalar(EPS))));
        Value standardised = g.reshape(g.mul(centred, invStd), shape);              // (out, in, k, k)
        return g.convSame(x, standardised, Graph.NONE, stride);
    }
}
