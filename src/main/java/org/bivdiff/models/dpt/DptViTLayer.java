package org.bivdiff.models.dpt;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.LayerNorm;
import org.bivdiff.models.blocks.Linear;

/**
 * Port of transformers models/dpt/modeling_dpt.py::DPTViTLayer ({@code dpt.encoder.layer.<i>}), timm's pre-norm
 * ViT block: {@code layernorm_before}, self-attention ({@code attention.attention.query/key/value},
 * {@code attention.output.dense}) plus the input, then {@code layernorm_after}, {@code intermediate.dense}, GELU,
 * {@code output.dense} plus the residual. Attention scales the logits by 1 / sqrt(head_dim) (timm multiplies by
 * head_dim^-0.5; the two differ in rounding only).
 */
final class DptViTLayer {

    private final DptConfig cfg;
    private final LayerNorm layernormBefore;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear attentionOutput;
    private final LayerNorm layernormAfter;
    private final Linear intermediate;
    private final Linear output;

    DptViTLayer(Weights w, DptConfig cfg) {
        this.cfg = cfg;
        int d = cfg.hiddenSize();
        float eps = (float) cfg.layerNormEps();
        layernormBefore = LayerNorm.load(w.child("layernorm_before"), d, eps);
        Weights attention = w.child("attention");
        query = Linear.load(attention.child("attention").child("query"), d, d, cfg.qkvBias());
        key = Linear.load(attention.child("attention").child("key"), d, d, cfg.qkvBias());
        value = Linear.load(attention.child("attention").child("value"), d, d, cfg.qkvBias());
        attentionOutput = Linear.load(attention.child("output").child("dense"), d, d);
        layernormAfter = LayerNorm.load(w.child("layernorm_after"), d, eps);
        intermediate = Linear.load(w.child("intermediate").child("dense"), d, cfg.intermediateSize());
        output = Linear.load(w.child("output").child("dense"), cfg.intermediateSize(), d);
    }

    /** x: (N, T, D) -> (N, T, D). */
    Value forward(Graph g, Value x) {
        Value h = layernormBefore.forward(g, x);
        Value attended = g.attention(query.forward3d(g, h), key.forward3d(g, h), value.forward3d(g, h),
                cfg.numAttentionHeads(), (float) (1.0 / Math.sqrt(cfg.headDim())));
        x = g.add(attentionOutput.forward3d(g, attended), x);
        Value mlp = g.gelu(intermediate.forward3d(g, layernormAfter.forward(g, x)));
        return g.add(output.forward3d(g, mlp), x);
    }
}
