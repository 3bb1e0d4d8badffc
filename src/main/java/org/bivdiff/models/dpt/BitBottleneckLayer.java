package org.bivdiff.models.dpt;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.GroupNorm;

/**
 * Port of transformers models/bit/modeling_bit.py::BitBottleneckLayer (the non pre-activation bottleneck of
 * ViT-hybrid): 1x1 {@code conv1}, {@code norm1} + ReLU, 3x3 {@code conv2} carrying the stride, {@code norm2} + ReLU,
 * 1x1 {@code conv3}, {@code norm3}, then ReLU of the sum with the shortcut; the first layer of a stage projects the
 * shortcut with {@code downsample.conv} (1x1, strided) and {@code downsample.norm}. Convolutions are weight
 * standardised, GroupNorms use epsilon 1e-5.
 */
final class BitBottleneckLayer {

    private static final float GROUP_NORM_EPS = 1e-5f;

    private final WeightStandardizedConv2d downsampleConv;
    private final GroupNorm downsampleNorm;
    private final WeightStandardizedConv2d conv1;
    private final GroupNorm norm1;
    private final WeightStandardizedConv2d conv2;
    private final GroupNorm norm2;
    private final WeightStandardizedConv2d conv3;
    private final GroupNorm norm3;

    BitBottleneckLayer(Weights w, int in, int out, int stride, boolean first, int groups) {
        int mid = BitConfig.makeDiv(out * 0.25);
        if (first) {
            downsampleConv = WeightStandardizedConv2d.load(w.child("downsample").child("conv"), in, out, 1, stride);
            downsampleNorm = GroupNorm.load(w.child("downsample").child("norm"), out, groups, GROUP_NORM_EPS);
        } else {
            downsampleConv = null;
            downsampleNorm = null;
        }
        conv1 = WeightStandardizedConv2d.load(w.child("conv1"), in, mid, 1, 1);
        norm1 = GroupNorm.load(w.child("norm1"), mid, groups, GROUP_NORM_EPS);
        conv2 = WeightStandardizedConv2d.load(w.child("conv2"), mid, mid, 3, stride);
        norm2 = GroupNorm.load(w.child("norm2"), mid, groups, GROUP_NORM_EPS);
        conv3 = WeightStandardizedConv2d.load(w.child("conv3"), mid, out, 1, 1);
        norm3 = GroupNorm.load(w.child("norm3"), out, groups, GROUP_NORM_EPS);
    }

    /** x: (N, in, H, W) -> (N, out, ceil(H / stride), ceil(W / stride)). */
    Value forward(Graph g, Value x) {
        Value shortcut = downsampleConv == null ? x : downsampleNorm.forward(g, downsampleConv.forward(g, x));
        Value h = g.relu(norm1.forward(g, conv1.forward(g, x)));
        h = g.relu(norm2.forward(g, conv2.forward(g, h)));
        h = norm3.forward(g, conv3.forward(g, h));
        return g.relu(g.add(h, shortcut));
    }
}
