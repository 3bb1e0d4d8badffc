package org.bivdiff.models.blocks;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/attention_processor.py::Attention with the default processor:
 * {@code to_q}, {@code to_k}, {@code to_v}, {@code to_out.0}, optionally a {@code group_norm} and
 * a residual connection (the VAE's mid-block attention). Runs through the fused
 * {@code MultiHeadAttention} op; scale {@code dim_head^-0.5}.
 *
 * <p>Checkpoints converted before diffusers 0.14 name the VAE's attention {@code query},
 * {@code key}, {@code value} and {@code proj_attn}; those names are accepted too.
 */
public final class Attention {

    /**
     * @param queryDim   channels of the attended sequence
     * @param contextDim channels of the context for cross-attention, or 0 for self-attention
     * @param heads      attention heads
     * @param dimHead    channels per head
     * @param qkvBias    whether to_q / to_k / to_v have a bias
     * @param normGroups groups of the input {@code group_norm}, or 0 for none
     * @param eps        epsilon of that group norm
     * @param residual   add the input to the output
     * @param rescaleOutputFactor the output is divided by this
     */
    public record Config(int queryDim, int contextDim, int heads, int dimHead, boolean qkvBias, int normGroups,
                         float eps, boolean residual, float rescaleOutputFactor) {
    }

    private final Config cfg;
    private final GroupNorm groupNorm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;

    private Attention(Config cfg, GroupNorm groupNorm, Linear toQ, Linear toK, Linear toV, Linear toOut) {
        this.cfg = cfg;
        this.groupNorm = groupNorm;
        this.toQ = toQ;
        this.toK = toK;
        this.toV = toV;
        this.toOut = toOut;
    }

    public static Attention load(Weights w, Config cfg) {
        int inner = cfg.heads() * cfg.dimHead();
        int kvIn = cfg.contextDim() == 0 ? cfg.queryDim() : cfg.contextDim();
        GroupNorm norm = cfg.normGroups() == 0 ? null : GroupNorm.load(w.child("group_norm"), cfg.queryDim(),
                cfg.normGroups(), cfg.eps());
        boolean legacy = !w.has("to_q.weight") && w.has("query.weight");
        Linear q = Linear.load(w.child(legacy ? "query" : "to_q"), cfg.queryDim(), inner, cfg.qkvBias());
        Linear k = Linear.load(w.child(legacy ? "key" : "to_k"), kvIn, inner, cfg.qkvBias());
        Linear v = Linear.load(w.child(legacy ? "value" : "to_v"), kvIn, inner, cfg.qkvBias());
        Linear out = Linear.load(legacy ? w.child("proj_attn") : w.child("to_out").child(0), inner, cfg.queryDim());
        return new Attention(cfg, norm, q, k, v, out);
    }

    /**
     * Attention over a token sequence.
     *
     * @param x       (B, S, queryDim)
     * @param context (B, L, contextDim) for cross-attention, or null for self-attention
     * @return (B, S, queryDim), with the residual added if configured
     */
    public Value forward(Graph g, Value x, Value context) {
        return forward(g, x, context, AttentionProcessor.FUSED);
    }

    /** As {@link #forward(Graph, Value, Value)}, with {@code processor} in place of the fused attention. */
    public Value forward(Graph g, Value x, Value context, AttentionProcessor processor) {
        Value kv = context == null ? x : context;
        Value q = toQ.forward3d(g, x);
        Value k = toK.forward3d(g, kv);
        Value v = toV.forward3d(g, kv);
        Value h = processor.attend(g, q, k, v, cfg.heads(), (float) (1 / Math.sqrt(cfg.dimHead())), context != null);
        h = toOut.forward3d(g, h);
        return finish(g, h, x);
    }

    /**
     * Self-attention over the pixels of an image (the VAE's mid block).
     *
     * @param x (N, C, H, W)
     * @return (N, C, H, W)
     */
    public Value forwardSpatial(Graph g, Value x) {
        Value h = groupNorm == null ? x : groupNorm.forward(g, x);
        h = g.transpose(g.reshape(h, 0, 0, -1), 0, 2, 1);                         // (N, H*W, C)
        Value q = toQ.forward3d(g, h);
        Value k = toK.forward3d(g, h);
        Value v = toV.forward3d(g, h);
        h = g.attention(q, k, v, cfg.heads(), (float) (1 / Math.sqrt(cfg.dimHead())));
        h = toOut.forward3d(g, h);                                                   // (N, H*W, C)
        h = g.reshape(g.transpose(h, 0, 2, 1), g.shape(x));                         // (N, C, H, W)
        return finish(g, h, x);
    }

    private Value finish(Graph g, Value h, Value input) {
        if (cfg.residual()) {
            h = g.add(h, input);
        }
        if (cfg.rescaleOutputFactor() != 1f) {
            h = g.div(h, g.scalar(cfg.rescaleOutputFactor()));
        }
        return h;
    }
}
