package org.bivdiff.models.vidrd;

import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Attention;
import org.bivdiff.models.blocks.LayerNorm;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel.SingleFrame;

/**
 * The temporal attention VidRD inserts into each BasicTransformerBlock after its cross-attention (BIVDiff
 * models/ReuseAndDiffuse/model/modules/attention.py, {@code BasicTransformerBlock.forward}): optionally the
 * fixed sinusoidal frame-position embedding added to the residual stream, then {@code temp_norm} (LayerNorm,
 * eps 1e-5) and {@code temp_attn} (self-attention over the frames of each token position, no q/k/v bias), plus
 * the input. Keys {@code temp_norm.{weight,bias}}, {@code temp_attn.to_{q,k,v}.weight},
 * {@code temp_attn.to_out.0.{weight,bias}}.
 *
 * <p>The position embedding is not a layer of the attention: it stays in the residual stream, and the
 * feed-forward sees it. Reference quirk, reproduced with {@link SingleFrame#KEEPS_EMBEDDING}: for a single frame
 * the reference returns {@code identity + 0.0 * hidden_states} to leave images alone, but its
 * {@code hidden_states += temp_emb} acts in place on a view of {@code identity}, so the frame keeps the embedding
 * of position 0 (0 on even channels, 1 on odd ones); only the attention's contribution is dropped.
 * {@link SingleFrame#UNCHANGED} is what the reference means: a single frame passes unchanged.
 */
final class TemporalAttention {

    private static final float LAYER_NORM_EPS = 1e-5f;

    private final int dim;
    private final boolean addTempEmbed;
    private final SingleFrame singleFrame;
    private final LayerNorm tempNorm;
    private final Attention tempAttn;

    /**
     * @param w            the BasicTransformerBlock's view ({@code ...transformer_blocks.<j>})
     * @param dim          token width
     * @param heads        attention heads (the spatial block's)
     * @param addTempEmbed add the frame-position embedding first
     * @param singleFrame  what happens to a single frame
     */
    TemporalAttention(Weights w, int dim, int heads, boolean addTempEmbed, SingleFrame singleFrame) {
        if (addTempEmbed && dim % 2 != 0) {
            throw new IllegalArgumentException(w.key("temp_norm") + ": the sin/cos frame embedding needs an even width, "
                    + "got " + dim);
        }
        this.dim = dim;
        this.addTempEmbed = addTempEmbed;
        this.singleFrame = singleFrame;
        tempNorm = LayerNorm.load(w.child("temp_norm"), dim, LAYER_NORM_EPS);
        tempAttn = Attention.load(w.child("temp_attn"), new Attention.Config(dim, 0, heads, dim / heads, false, 0, 0f,
                false, 1f));
    }

    /**
     * @param tokens (B*F, S, C), the frames of each video consecutive
     * @param frames int64 (1): F
     * @return (B*F, S, C)
     */
    Value forward(Graph g, Value tokens, Value frames) {
        Value shape = g.shape(tokens);
        Value sc = g.slice(shape, new long[] {1}, new long[] {3}, new long[] {0});
        // 1 for a video, 0 for a single frame: x + 0 * (temporal layer) leaves images alone
        Value gate = g.cast(g.node("Greater", List.of(frames, g.longs(1)), List.of()), g.computeType());
        Value video = g.reshape(tokens, g.concat(0, g.longs(-1), frames, sc));      // (B, F, S, C)
        if (addTempEmbed) {
            Value pe = positions(g, frames);                                          // (F, 1, C)
            video = g.add(video, singleFrame == SingleFrame.UNCHANGED ? g.mul(pe, gate) : pe);
        }
        Value h = g.transpose(video, 0, 2, 1, 3);                                   // (B, S, F, C)
        Value perToken = g.reshape(h, g.concat(0, g.longs(-1), frames, g.longs(dim))); // (B*S, F, C)
        Value attn = tempAttn.forward(g, tempNorm.forward(g, perToken), null);      // (B*S, F, C)
        Value back = g.transpose(g.reshape(attn, g.shape(h)), 0, 2, 1, 3);          // (B, F, S, C)
        return g.reshape(g.add(video, g.mul(back, gate)), shape);                   // (B*F, S, C)
    }

    /**
     * modules.py {@code get_sin_pos_embedding(C, F)} as (F, 1, C): {@code pe[f, 2i] = sin(f * d_i)},
     * {@code pe[f, 2i + 1] = cos(f * d_i)}, {@code d_i = exp(2i * -(ln(10000) / C))}, in float32 as torch computes it.
     */
    private Value positions(Graph g, Value frames) {
        int half = dim / 2;
        float scale = (float) -(Math.log(10000.0) / dim);
        float[] div = new float[half];
        for (int i = 0; i < half; i++) {
            div[i] = (float) Math.exp((float) (2 * i) * scale);
        }
        Value count = g.reshape(frames, g.longs());                                  // scalar F
        Value f = g.cast(g.node("Range", List.of(g.reshape(g.longs(0), g.longs()), count,
                g.reshape(g.longs(1), g.longs())), List.of()), DType.F32);            // (F)
        Value args = g.mul(g.unsqueeze(f, 1), g.constant(DType.F32, div, 1, half)); // (F, C/2)
        Value sin = g.unsqueeze(g.node("Sin", List.of(args), List.of()), 2);
        Value cos = g.unsqueeze(g.node("Cos", List.of(args), List.of()), 2);
        Value pe = g.reshape(g.concat(2, sin, cos), g.concat(0, g.longs(-1), g.longs(1, dim))); // (F, 1, C) interleaved
        return g.toCompute(pe);
    }
}
