package org.bivdiff.models.dpt;

import java.util.List;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.models.blocks.Linear;

/**
 * One ViT-fed neck input of DPT-Hybrid (transformers models/dpt/modeling_dpt.py::DPTReassembleStage for
 * {@code i > 1}): the readout 'project' ({@code readout_projects.<i>.0}, Linear(2D, D) + GELU on each patch token
 * concatenated with the class token), the tokens laid out as the (h, w) grid, a 1x1 {@code layers.<i>.projection}
 * to the neck width, and {@code layers.<i>.resize}: none for factor 1, a 3x3 stride-1/f convolution for f < 1, a
 * transposed f x f convolution for f > 1.
 *
 * <p>The grid is the backbone's (h, w), as controlnet_aux's unflatten to (H / 16, W / 16) has it; transformers
 * 4.30 reshapes to int(sqrt(tokens)) squared and so cannot run non-square inputs.
 */
final class DptReassembleLayer {

    private final int hidden;
    private final Linear readoutProject;
    private final Conv2d projection;
    private final Conv2d downsample;
    private final ExternalTensor upWeight;
    private final ExternalTensor upBias;
    private final int upFactor;

    DptReassembleLayer(Weights stage, int i, int hidden, int channels, double factor) {
        this.hidden = hidden;
        readoutProject = Linear.load(stage.child("readout_projects").child(i).child(0), 2 * hidden, hidden);
        Weights layer = stage.child("layers").child(i);
        projection = Conv2d.load1x1(layer.child("projection"), hidden, channels);
        if (factor < 1) {
            downsample = Conv2d.load(layer.child("resize"), channels, channels, 3, (int) Math.rint(1 / factor), 1);
            upWeight = null;
            upBias = null;
            upFactor = 1;
        } else if (factor > 1) {
            upFactor = (int) Math.rint(factor);
            downsample = null;
            upWeight = layer.child("resize").tensor("weight", channels, channels, upFactor, upFactor);
            upBias = layer.child("resize").tensor("bias", channels);
        } else {
            downsample = null;
            upWeight = null;
            upBias = null;
            upFactor = 1;
        }
    }

    /**
     * @param tokens    (N, 1 + h*w, D) a ViT layer's output, class token first
     * @param gridShape int64 [h, w]
     * @return (N, channels, h * f, w * f)
     */
    Value forward(Graph g, Value tokens, Value gridShape) {
        Value cls = g.slice(tokens, new long[] {0}, new long[] {1}, new long[] {1});                  // (N, 1, D)
        Value patches = g.slice(tokens, new long[] {1}, new long[] {Long.MAX_VALUE}, new long[] {1}); // (N, h*w, D)
        Value readout = g.node("Expand", List.of(cls, g.shape(patches)), List.of());
        Value projected = g.gelu(readoutProject.forward3d(g, g.concat(2, patches, readout)));       // (N, h*w, D)
        Value map = g.reshape(g.transpose(projected, 0, 2, 1), g.concat(0, g.longs(0, hidden), gridShape));
        Value x = projection.forward(g, map);                                                      // (N, C, h, w)
        if (downsample != null) {
            return downsample.forward(g, x);
        }
        return upWeight == null ? x : g.convTranspose(x, g.weight(upWeight), g.weight(upBias), upFactor);
    }
}
