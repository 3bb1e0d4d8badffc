package org.bivdiff.models.dpt;

import java.util.List;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;

/**
 * Port of transformers models/dpt/modeling_dpt.py::DPTViTHybridEmbeddings ({@code dpt.embeddings}): the BiT
 * backbone, a 1x1 {@code projection} of its last stage to the ViT width, the class token in front, and the
 * position embeddings resized to the token grid.
 *
 * <p>The position embeddings are always resized bilinearly (half-pixel centres, as {@code _resize_pos_embed} with
 * {@code interpolate_pos_encoding}, and as controlnet_aux's {@code forward_flex}) from their square grid to the
 * (H / 16, W / 16) grid of the input, square or not; at the trained size the resize is the identity. transformers
 * 4.30 refuses other sizes unless {@code interpolate_pos_encoding} is passed, which DPTModel never does.
 */
final class DptViTHybridEmbeddings {

    /** What the embeddings hand on: the tokens and the backbone's stage outputs. */
    record Output(Value tokens, List<Value> backboneStages, Value gridShape) {
    }

    private final DptConfig cfg;
    private final BitBackbone backbone;
    private final Conv2d projection;
    private final ExternalTensor clsToken;
    private final ExternalTensor positionEmbeddings;

    DptViTHybridEmbeddings(Weights w, DptConfig cfg) {
        this.cfg = cfg;
        backbone = new BitBackbone(w.child("backbone"), cfg.backbone());
        projection = Conv2d.load1x1(w.child("projection"), cfg.featureDim(), cfg.hiddenSize());
        clsToken = w.tensor("cls_token", 1, 1, cfg.hiddenSize());
        int grid = cfg.positionGrid();
        positionEmbeddings = w.tensor("position_embeddings", 1, 1 + (long) grid * grid, cfg.hiddenSize());
    }

    /** pixelValues: (N, C, H, W) -> tokens (N, 1 + (H/16)(W/16), D). */
    Output forward(Graph g, Value pixelValues) {
        int d = cfg.hiddenSize();
        List<Value> stages = backbone.forward(g, pixelValues);
        Value patches = projection.forward(g, stages.getLast());                    // (N, D, h, w)
        Value gridShape = g.slice(g.shape(patches), new long[] {2}, new long[] {4}, new long[] {0}); // [h, w]
        Value tokens = g.transpose(g.reshape(patches, 0, d, -1), 0, 2, 1);          // (N, h*w, D)
        Value batch = g.slice(g.shape(pixelValues), new long[] {0}, new long[] {1}, new long[] {0});
        Value cls = g.node("Expand", List.of(g.weight(clsToken), g.concat(0, batch, g.longs(1, d))), List.of());
        Value embeddings = g.concat(1, cls, tokens);                                // (N, 1 + h*w, D)
        return new Output(g.add(embeddings, positionEmbeddings(g, gridShape)), stages, gridShape);
    }

    /** The stored (1, 1 + G*G, D) embeddings with the G x G grid part resized to {@code gridShape}. */
    private Value positionEmbeddings(Graph g, Value gridShape) {
        int d = cfg.hiddenSize();
        int grid = cfg.positionGrid();
        Value pos = g.weight(positionEmbeddings);
        Value tok = g.slice(pos, new long[] {0}, new long[] {1}, new long[] {1});                 // (1, 1, D)
        Value table = g.slice(pos, new long[] {1}, new long[] {Long.MAX_VALUE}, new long[] {1});
        Value image = g.transpose(g.reshape(table, 1, grid, grid, d), 0, 3, 1, 2);               // (1, D, G, G)
        Value resized = g.resizeBilinear(image, g.concat(0, g.longs(1, d), gridShape));            // (1, D, h, w)
        Value flat = g.transpose(g.reshape(resized, 1, d, -1), 0, 2, 1);                         // (1, h*w, D)
        return g.concat(1, tok, flat);
    }
}
