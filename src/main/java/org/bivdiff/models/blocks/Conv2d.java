package org.bivdiff.models.blocks;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/** torch.nn.Conv2d: {@code weight} (out, in, kh, kw) and {@code bias} (out), or no bias. */
public final class Conv2d {

    private final ExternalTensor weight;
    private final ExternalTensor bias;
    private final int stride;
    private final int padding;

    private Conv2d(ExternalTensor weight, ExternalTensor bias, int stride, int padding) {
        this.weight = weight;
        this.bias = bias;
        this.stride = stride;
        this.padding = padding;
    }

    /**
     * Loads {@code weight} and {@code bias} from {@code w}, checking the weight is
     * (outChannels, inChannels, kernel, kernel).
     */
    public static Conv2d load(Weights w, int inChannels, int outChannels, int kernel, int stride, int padding) {
        ExternalTensor weight = w.tensor("weight", outChannels, inChannels, kernel, kernel);
        ExternalTensor bias = w.tensor("bias", outChannels);
        return new Conv2d(weight, bias, stride, padding);
    }

    /** A convolution without a bias ({@code bias=False}): only {@code weight} is read. */
    public static Conv2d loadWithoutBias(Weights w, int inChannels, int outChannels, int kernel, int stride,
                                         int padding) {
        return new Conv2d(w.tensor("weight", outChannels, inChannels, kernel, kernel), null, stride, padding);
    }

    /** The usual 3x3, stride 1, padding 1 convolution. */
    public static Conv2d load3x3(Weights w, int inChannels, int outChannels) {
        return load(w, inChannels, outChannels, 3, 1, 1);
    }

    /** A 1x1 convolution. */
    public static Conv2d load1x1(Weights w, int inChannels, int outChannels) {
        return load(w, inChannels, outChannels, 1, 1, 0);
    }

    public int outChannels() {
        return (int) weight.shape()[0];
    }

    /** x: (N, in, H, W) -> (N, out, H', W'). */
    public Value forward(Graph g, Value x) {
        return g.conv(x, g.weight(weight), bias == null ? Graph.NONE : g.weight(bias), stride, padding);
    }
}
