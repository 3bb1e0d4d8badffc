package org.bivdiff.models.blocks;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;

/**
 * How an {@link Attention} layer turns its projected queries, keys and values into its output, as diffusers'
 * attention processors ({@code unet.set_attn_processor}) do. The default is {@link #FUSED}; Prompt-to-Prompt
 * swaps in a processor that forms the attention probabilities explicitly and edits them. A processor sees the
 * layers in the order the forward pass builds them.
 */
@FunctionalInterface
public interface AttentionProcessor {

    /** diffusers' default processor, through ONNX Runtime's fused {@code MultiHeadAttention}. */
    AttentionProcessor FUSED = (g, q, k, v, heads, scale, cross) -> g.attention(q, k, v, heads, scale);

    /**
     * @param q     (B, S, heads * d)
     * @param k     (B, L, heads * d)
     * @param v     (B, L, heads * dv)
     * @param scale the logit scale, {@code d^-0.5}
     * @param cross true for cross-attention over the text (diffusers' {@code attn2}), false for self-attention
     * @return (B, S, heads * dv), before {@code to_out}
     */
    Value attend(Graph g, Value q, Value k, Value v, int heads, float scale, boolean cross);
}
