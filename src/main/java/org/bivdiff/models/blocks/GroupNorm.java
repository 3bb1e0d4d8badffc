package org.bivdiff.models.blocks;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/** torch.nn.GroupNorm with affine {@code weight} and {@code bias} (C). */
public final class GroupNorm {

    private final ExternalTensor weight;
    private final ExternalTensor bias;
    private final int groups;
    private final float eps;

    private GroupNorm(ExternalTensor weight, ExternalTensor bias, int groups, float eps) {
        this.weight = weight;
        this.bias = bias;
        this.groups = groups;
        this.eps = eps;
    }

    public static GroupNorm load(Weights w, int channels, int groups, float eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(w.key("weight") + ": " + channels + " channels are not divisible into "
                    + groups + " groups");
        }
        return new GroupNorm(w.tensor("weight", channels), w.tensor("bias", channels), groups, eps);
    }

    /** x: (N, C, H, W), statistics per sample and group. */
    public Value forward(Graph g, Value x) {
        return forward(g, x, 2);
    }

    /**
     * x: (B*F, C, H, W) with the statistics spanning what {@code scope} says: each image, or all
     * {@code F} frames of each video.
     */
    public Value forward(Graph g, Value x, NormScope scope) {
        return switch (scope) {
            case NormScope.PerSample p -> forward(g, x);
            case NormScope.AcrossFrames a -> acrossFrames(g, x, a.frames());
        };
    }

    private Value acrossFrames(Graph g, Value x, Value frames) {
        Value shape = g.shape(x);
        Value chw = g.slice(shape, new long[] {1}, new long[] {4}, new long[] {0});
        Value video = g.reshape(x, g.concat(0, g.longs(-1), frames, chw));             // (B, F, C, H, W)
        Value y = forward(g, g.transpose(video, 0, 2, 1, 3, 4), 3);                  // (B, C, F, H, W)
        return g.reshape(g.transpose(y, 0, 2, 1, 3, 4), shape);                      // (B*F, C, H, W)
    }

    /** x: (N, C, ...) with {@code spatialRank} dimensions after C; statistics over all of them. */
    public Value forward(Graph g, Value x, int spatialRank) {
        return g.groupNorm(x, groups, eps, g.weight(weight), g.weight(bias), spatialRank);
    }
}
