package org.bivdiff.models.dpt;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;

/**
 * Port of transformers models/dpt/modeling_dpt.py::DPTFeatureFusionLayer ({@code neck.fusion_stage.layers.<i>},
 * MiDaS' {@code refinenet}): the residual input through {@code residual_layer1} added to the running map,
 * {@code residual_layer2}, a 2x bilinear upsampling with aligned corners, and a 1x1 {@code projection}. Each
 * residual layer is DPTPreActResidualLayer: ReLU, 3x3 {@code convolution1}, ReLU, 3x3 {@code convolution2}, plus
 * its input.
 *
 * <p>When the residual's size differs from the running map's, transformers resizes it bilinearly (half-pixel
 * centres) where controlnet_aux would fail; sizes that are multiples of 32 never differ. The resize is always in
 * the graph, and is the identity when the sizes agree.
 */
final class DptFeatureFusionLayer {

    private final Conv2d projection;
    private final Conv2d[] residual1;
    private final Conv2d[] residual2;

    DptFeatureFusionLayer(Weights w, int features) {
        projection = Conv2d.load1x1(w.child("projection"), features, features);
        residual1 = residualLayer(w.child("residual_layer1"), features);
        residual2 = residualLayer(w.child("residual_layer2"), features);
    }

    private static Conv2d[] residualLayer(Weights w, int features) {
        return new Conv2d[] {Conv2d.load3x3(w.child("convolution1"), features, features),
            Conv2d.load3x3(w.child("convolution2"), features, features)};
    }

    private static Value preActResidual(Graph g, Conv2d[] convs, Value x) {
        Value h = convs[0].forward(g, g.relu(x));
        h = convs[1].forward(g, g.relu(h));
        return g.add(h, x);
    }

    /**
     * @param hidden   (N, F, h, w) the running map
     * @param residual (N, F, h', w') the neck input of this level, or null for the first (deepest) layer
     * @return (N, F, 2h, 2w)
     */
    Value forward(Graph g, Value hidden, Value residual) {
        if (residual != null) {
            Value aligned = g.resizeBilinear(residual, g.shape(hidden));
            hidden = g.add(hidden, preActResidual(g, residual1, aligned));
        }
        hidden = preActResidual(g, residual2, hidden);
        return projection.forward(g, g.upsampleBilinearAlignCorners(hidden, 2f));
    }
}
