package org.bivdiff.models.unet2d;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.blocks.AttentionProcessor;

/**
 * Port of BIVDiff models/Prompt2Prompt/pipeline_prompt2prompt.py::P2PCrossAttnProcessor together with the edit
 * its controller makes ({@code AttentionControlEdit.forward}), as graph nodes: the attention probabilities are
 * formed explicitly ({@code softmax(q k^T * scale)}, as {@code attn.get_attention_scores}), the edited prompt's
 * probabilities of the conditional half are replaced, and the edited probabilities weight the values.
 *
 * <p>The batch is [uncond source, uncond edited, cond source, cond edited]. Only the last row changes, as the
 * reference's in-place {@code attn[1:] = ...} on the conditional half does:
 * <ul>
 *   <li>cross-attention: {@code edited = ((base @ mapper) * mapperAlphas + rep * (1 - mapperAlphas)) * alpha
 *       + (1 - alpha) * rep}, which is AttentionReplace's {@code einsum('hpw,bwn->bhpn', base, mapper)}
 *       (mapperAlphas all 1) and AttentionRefine's {@code base[:, :, mapper] * alphas + rep * (1 - alphas)}
 *       (mapper as a one-hot matrix) blended by the step's {@code cross_replace_alpha};</li>
 *   <li>self-attention, at the layers the plan names: {@code edited = base * s + rep * (1 - s)} with s the
 *       call's 0/1 self-replace flag, i.e. {@code attn[1] = attn[0]} while self replacement is on.</li>
 * </ul>
 * The conditional half after the edit, (2 * heads, S, L) as the reference's attention store holds it, becomes a
 * graph output for the layers the plan names. Self-attention layers with nothing to edit or keep go through the
 * fused op, as the plain UNet's do.
 */
final class AttentionEditProcessor implements AttentionProcessor {

    /**
     * The per-call graph inputs of the edit.
     *
     * @param crossReplaceAlpha (L): the call's row of {@code cross_replace_alpha}
     * @param selfReplace       (1): 1 while self-attention is replaced, else 0
     * @param mapper            (L, L): source token to edited token weights
     * @param mapperAlphas      (L): how much of the mapped source each edited token takes
     */
    record Inputs(Value crossReplaceAlpha, Value selfReplace, Value mapper, Value mapperAlphas) {
    }

    private final List<AttentionLayer> layers;
    private final Set<Integer> selfReplaced;
    private final Set<Integer> returned;
    private final Inputs inputs;
    private final Map<Integer, Value> probs = new LinkedHashMap<>();
    private int next;

    /**
     * @param layers       every attention layer of the UNet, in call order
     * @param selfReplaced indices of the self-attention layers the self-replace flag applies to
     * @param returned     indices of the layers whose edited conditional probabilities are kept
     */
    AttentionEditProcessor(List<AttentionLayer> layers, Set<Integer> selfReplaced, Set<Integer> returned,
                           Inputs inputs) {
        this.layers = List.copyOf(layers);
        this.selfReplaced = Set.copyOf(selfReplaced);
        this.returned = Set.copyOf(returned);
        this.inputs = inputs;
    }

    @Override
    public Value attend(Graph g, Value q, Value k, Value v, int heads, float scale, boolean cross) {
        int index = next++;
        if (index >= layers.size() || layers.get(index).cross() != cross) {
            throw new IllegalStateException("attention layer " + index + " (" + (cross ? "cross" : "self")
                    + ") does not match the UNet's attention layout " + layers);
        }
        if (!cross && !selfReplaced.contains(index) && !returned.contains(index)) {
            // Nothing to edit or keep: the fused op, without the (B, heads, S, S) probabilities (2 GB a layer
            // at 64x64 latents).
            return AttentionProcessor.FUSED.attend(g, q, k, v, heads, scale, false);
        }
        Value qh = g.transpose(g.reshape(q, 0, 0, heads, -1), 0, 2, 1, 3);         // (B, heads, S, d)
        Value kt = g.transpose(g.reshape(k, 0, 0, heads, -1), 0, 2, 3, 1);         // (B, heads, d, L)
        Value vh = g.transpose(g.reshape(v, 0, 0, heads, -1), 0, 2, 1, 3);         // (B, heads, L, dv)
        Value p = g.softmax(g.mul(g.matmul(qh, kt), g.scalar(scale)), -1);          // (B, heads, S, L)
        p = edit(g, p, index, cross);
        Value h = g.matmul(p, vh);                                                   // (B, heads, S, dv)
        return g.reshape(g.transpose(h, 0, 2, 1, 3), 0, 0, -1);                     // (B, S, heads * dv)
    }

    /** The kept probabilities by layer index: (2 * heads, S, L) each. */
    Map<Integer, Value> returnedProbs() {
        if (next != layers.size()) {
            throw new IllegalStateException("the graph built " + next + " attention layers, the layout lists "
                    + layers.size());
        }
        return probs;
    }

    /** p: (4, heads, S, L) -> the same with the last row edited. */
    private Value edit(Graph g, Value p, int index, boolean cross) {
        boolean editSelf = !cross && selfReplaced.contains(index);
        Value uncond = rows(g, p, 0, 2);                                             // (2, heads, S, L)
        Value base = rows(g, p, 2, 3);                                               // (1, heads, S, L)
        Value rep = rows(g, p, 3, 4);
        Value one = g.scalar(1f);
        Value edited = rep;
        if (cross) {
            Value a = inputs.mapperAlphas();
            Value mapped = g.matmul(base, inputs.mapper());                          // (1, heads, S, L)
            Value replaced = g.add(g.mul(mapped, a), g.mul(rep, g.sub(one, a)));
            Value alpha = inputs.crossReplaceAlpha();
            edited = g.add(g.mul(replaced, alpha), g.mul(g.sub(one, alpha), rep));
        } else if (editSelf) {
            Value s = inputs.selfReplace();
            edited = g.add(g.mul(base, s), g.mul(rep, g.sub(one, s)));
        }
        Value cond = g.concat(0, base, edited);                                      // (2, heads, S, L)
        if (returned.contains(index)) {
            Value shape = g.concat(0, g.longs(-1), g.slice(g.shape(cond), new long[] {2}, new long[] {4},
                    new long[] {0}));
            probs.put(index, g.reshape(cond, shape));                                // (2 * heads, S, L)
        }
        return g.concat(0, uncond, cond);                                            // (4, heads, S, L)
    }

    private static Value rows(Graph g, Value x, long from, long to) {
        return g.slice(x, new long[] {from}, new long[] {to}, new long[] {0});
    }
}
