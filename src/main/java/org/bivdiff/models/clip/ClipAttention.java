package org.bivdiff.models.clip;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Linear;

/**
 * Port of transformers models/clip/modeling_clip.py::CLIPAttention: multi-head self-attention with
 * {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code out_proj} (all with bias), scale {@code head_dim^-0.5}.
 * The text encoder runs it causally: transformers adds a (B, 1, S, S) mask of {@code finfo.min} above the
 * diagonal; the fused op's {@code unidirectional} mode gives the same zero weights without the tensor. The
 * vision tower attends to every token.
 */
final class ClipAttention {

    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;
    private final int heads;
    private final float scale;
    private final boolean causal;

    private ClipAttention(Linear qProj, Linear kProj, Linear vProj, Linear outProj, int heads, float scale,
                          boolean causal) {
        this.qProj = qProj;
        this.kProj = kProj;
        this.vProj = vProj;
        this.outProj = outProj;
        this.heads = heads;
        this.scale = scale;
        this.causal = causal;
    }

    static ClipAttention load(Weights w, ClipEncoderConfig cfg, boolean causal) {
        int d = cfg.hiddenSize();
        return new ClipAttention(Linear.load(w.child("q_proj"), d, d), Linear.load(w.child("k_proj"), d, d),
                Linear.load(w.child("v_proj"), d, d), Linear.load(w.child("out_proj"), d, d), cfg.numAttentionHeads(),
                (float) Math.pow(cfg.headDim(), -0.5), causal);
    }

    /** x: (B, S, D) -> (B, S, D); causal: position i attends to positions 0..i, else to all. */
    Value forward(Graph g, Value x) {
        Value q = qProj.forward3d(g, x);                                              // (B, S, heads * head_dim)
        Value k = kProj.forward3d(g, x);
        Value v = vProj.forward3d(g, x);
        Value attended = causal ? g.causalAttention(q, k, v, heads, scale) : g.attention(q, k, v, heads, scale);
        return outProj.forward3d(g, attended);
    }
}
