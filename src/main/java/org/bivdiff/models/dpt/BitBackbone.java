package org.bivdiff.models.dpt;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.GroupNorm;

/**
 * Port of transformers models/bit/modeling_bit.py::BitBackbone as DPT-Hybrid uses it ({@code bit.embedder},
 * {@code bit.encoder.stages.<i>.layers.<j>}): the stem (weight-standardised 7x7 stride-2 convolution with 'SAME'
 * padding, GroupNorm + ReLU, 3x3 stride-2 max pool with dynamic 'SAME' padding), then one stage of
 * {@link BitBottleneckLayer}s per entry of {@code depths}, the first at stride 1 and the others at stride 2.
 *
 * <p>transformers pads the pool's input with zeros where timm pads with -inf; after the ReLU both give the same
 * maximum, and so does ONNX's padding, which is never chosen.
 */
final class BitBackbone {

    private static final float GROUP_NORM_EPS = 1e-5f;

    private final WeightStandardizedConv2d stemConv;
    private final GroupNorm stemNorm;
    private final List<List<BitBottleneckLayer>> stages = new ArrayList<>();

    BitBackbone(Weights w, BitConfig cfg) {
        Weights bit = w.child("bit");
        stemConv = WeightStandardizedConv2d.load(bit.child("embedder").child("convolution"), cfg.numChannels(),
                cfg.embeddingSize(), 7, 2);
        stemNorm = GroupNorm.load(bit.child("embedder").child("norm"), cfg.embeddingSize(), cfg.numGroups(),
                GROUP_NORM_EPS);
        int[] sizes = cfg.hiddenSizes();
        int[] depths = cfg.depths();
        int in = cfg.embeddingSize();
        for (int s = 0; s < sizes.length; s++) {
            Weights stage = bit.child("encoder").child("stages").child(s).child("layers");
            List<BitBottleneckLayer> layers = new ArrayList<>();
            for (int l = 0; l < depths[s]; l++) {
                layers.add(new BitBottleneckLayer(stage.child(l), l == 0 ? in : sizes[s], sizes[s],
                        l == 0 && s > 0 ? 2 : 1, l == 0, cfg.numGroups()));
            }
            stages.add(layers);
            in = sizes[s];
        }
    }

    /**
     * @param pixelValues (N, C, H, W)
     * @return the output of every stage: (N, hidden_sizes[i], H / 4 / 2^i, W / 4 / 2^i), rounding up
     */
    List<Value> forward(Graph g, Value pixelValues) {
        Value x = g.relu(stemNorm.forward(g, stemConv.forward(g, pixelValues)));  // (N, E, H/2, W/2)
        x = g.maxPoolSame(x, 3, 2);                                                // (N, E, H/4, W/4)
        List<Value> out = new ArrayList<>();
        for (List<BitBottleneckLayer> stage : stages) {
            for (BitBottleneckLayer layer : stage) {
                x = layer.forward(g, x);
            }
            out.add(x);
        }
        return out;
    }
}
