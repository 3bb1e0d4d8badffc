package org.bivdiff.models.blocks;

import java.util.function.UnaryOperator;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of diffusers models/attention.py::BasicTransformerBlock as Stable Diffusion's UNets use it
 * ({@code norm_type="layer_norm"}, {@code activation_fn="geglu"}, no attention bias): self-attention
 * {@code attn1}, cross-attention {@code attn2} over the text embedding, and a GEGLU feed-forward
 * ({@code ff.net.0.proj}, {@code ff.net.2}), each after a LayerNorm ({@code norm1..3}, eps 1e-5) and
 * with a residual connection.
 */
public final class BasicTransformerBlock {

    private static final float LAYER_NORM_EPS = 1e-5f;

    /**
     * @param dim               token width
     * @param heads             attention heads
     * @param dimHead           channels per head
     * @param crossAttentionDim width of the encoder hidden states
     */
    public record Config(int dim, int heads, int dimHead, int crossAttentionDim) {
    }

    private final LayerNorm norm1;
    private final Attention attn1;
    private final LayerNorm norm2;
    private final Attention attn2;
    private final LayerNorm norm3;
    private final Linear ffProj;
    private final Linear ffOut;

    public BasicTransformerBlock(Weights w, Config cfg) {
        int dim = cfg.dim();
        norm1 = LayerNorm.load(w.child("norm1"), dim);
        attn1 = Attention.load(w.child("attn1"), new Attention.Config(dim, 0, cfg.heads(), cfg.dimHead(), false, 0, 0f,
                false, 1f));
        norm2 = LayerNorm.load(w.child("norm2"), dim);
        attn2 = Attention.load(w.child("attn2"), new Attention.Config(dim, cfg.crossAttentionDim(), cfg.heads(),
                cfg.dimHead(), false, 0, 0f, false, 1f));
        norm3 = LayerNorm.load(w.child("norm3"), dim);
        int inner = 4 * dim;
        Weights ff = w.child("ff").child("net");
        ffProj = Linear.load(ff.child(0).child("proj"), dim, 2 * inner);
        ffOut = Linear.load(ff.child(2), inner, dim);
    }

    /**
     * @param x                   (B, S, dim)
     * @param encoderHiddenStates (B, L, crossAttentionDim)
     * @return (B, S, dim)
     */
    public Value forward(Graph g, Value x, Value encoderHiddenStates) {
        return forward(g, x, encoderHiddenStates, AttentionProcessor.FUSED);
    }

    /** As {@link #forward(Graph, Value, Value)}, both attentions through {@code processor} ({@code attn1} first). */
    public Value forward(Graph g, Value x, Value encoderHiddenStates, AttentionProcessor processor) {
        return forward(g, x, encoderHiddenStates, processor, UnaryOperator.identity());
    }

    /**
     * As {@link #forward(Graph, Value, Value, AttentionProcessor)}, with {@code afterCrossAttention} applied to
     * the residual stream (B, S, dim) between the cross-attention and the feed-forward (VidRD's temporal
     * attention goes there).
     */
    public Value forward(Graph g, Value x, Value encoderHiddenStates, AttentionProcessor processor,
                         UnaryOperator<Value> afterCrossAttention) {
        Value h = g.add(attn1.forward(g, norm1.forward(g, x), null, processor), x);
        h = g.add(attn2.forward(g, norm2.forward(g, h), encoderHiddenStates, processor), h);
        h = afterCrossAttention.apply(h);
        return g.add(feedForward(g, norm3.forward(g, h)), h);
    }

    /**
     * GEGLU: proj to 2 x inner, {@code hidden * gelu(gate)} (exact erf gelu), then back to dim. The two
     * halves of {@code proj} (hidden first, as {@code chunk(2, dim=-1)}) are two Gemms, which saves copying
     * them out of one wide output.
     */
    private Value feedForward(Graph g, Value x) {
        int inner = ffProj.outFeatures() / 2;
        Value hidden = ffProj.forward3d(g, x, 0, inner);                             // (B, S, inner)
        Value gate = ffProj.forward3d(g, x, inner, 2 * inner);                       // (B, S, inner)
        return ffOut.forward3d(g, g.mul(hidden, g.gelu(gate)));
    }

    /** torch.nn.LayerNorm over the last axis with affine {@code weight} and {@code bias}. */
    private record LayerNorm(ExternalTensor weight, ExternalTensor bias) {

        static LayerNorm load(Weights w, int dim) {
            return new LayerNorm(w.tensor("weight", dim), w.tensor("bias", dim));
        }

        Value forward(Graph g, Value x) {
            return g.layerNorm(x, g.weight(weight), g.weight(bias), LAYER_NORM_EPS);
        }
    }
}
