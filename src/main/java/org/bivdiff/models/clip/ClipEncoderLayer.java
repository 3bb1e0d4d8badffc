package org.bivdiff.models.clip;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Activation;
import org.bivdiff.models.blocks.LayerNorm;
import org.bivdiff.models.blocks.Linear;

/**
 * Port of transformers models/clip/modeling_clip.py::CLIPEncoderLayer (pre-norm): {@code layer_norm1},
 * {@code self_attn}, residual; {@code layer_norm2}, {@code mlp.fc1}, activation, {@code mlp.fc2} (CLIPMLP),
 * residual. The same layer serves the text tower (causal attention) and the vision tower (full attention).
 */
final class ClipEncoderLayer {

    private final LayerNorm layerNorm1;
    private final ClipAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final Linear fc1;
    private final Linear fc2;
    private final Activation act;

    private ClipEncoderLayer(LayerNorm layerNorm1, ClipAttention selfAttn, LayerNorm layerNorm2, Linear fc1,
                             Linear fc2, Activation act) {
        this.layerNorm1 = layerNorm1;
        this.selfAttn = selfAttn;
        this.layerNorm2 = layerNorm2;
        this.fc1 = fc1;
        this.fc2 = fc2;
        this.act = act;
    }

    static ClipEncoderLayer load(Weights w, ClipEncoderConfig cfg, boolean causal) {
        int d = cfg.hiddenSize();
        float eps = (float) cfg.layerNormEps();
        Weights mlp = w.child("mlp");
        return new ClipEncoderLayer(LayerNorm.load(w.child("layer_norm1"), d, eps),
                ClipAttention.load(w.child("self_attn"), cfg, causal), LayerNorm.load(w.child("layer_norm2"), d, eps),
                Linear.load(mlp.child("fc1"), d, cfg.intermediateSize()),
                Linear.load(mlp.child("fc2"), cfg.intermediateSize(), d), cfg.hiddenAct().activation());
    }

    /** hiddenStates: (B, S, D) -> (B, S, D). */
    Value forward(Graph g, Value hiddenStates) {
        Value h = g.add(hiddenStates, selfAttn.forward(g, layerNorm1.forward(g, hiddenStates)));
        Value m = fc2.forward3d(g, act.apply(g, fc1.forward3d(g, layerNorm2.forward(g, h))));   // (B, S, D)
        return g.add(h, m);
    }
}
