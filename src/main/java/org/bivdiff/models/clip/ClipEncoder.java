package org.bivdiff.models.clip;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;

/**
 * Port of transformers models/clip/modeling_clip.py::CLIPEncoder: {@code layers.N}, each a pre-norm
 * {@link ClipEncoderLayer}. The text tower runs it causally, the vision tower over all tokens.
 */
final class ClipEncoder {

    private final List<ClipEncoderLayer> layers;

    private ClipEncoder(List<ClipEncoderLayer> layers) {
        this.layers = List.copyOf(layers);
    }

    /** Loads {@code layers.0} .. {@code layers.(count - 1)} under {@code w} (the {@code encoder} view). */
    static ClipEncoder load(Weights w, ClipEncoderConfig cfg, int count, boolean causal) {
        List<ClipEncoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            layers.add(ClipEncoderLayer.load(w.child("layers").child(i), cfg, causal));
        }
        return new ClipEncoder(layers);
    }

    /**
     * The hidden states as transformers collects them ({@code output_hidden_states}): the input, then each
     * layer's output.
     *
     * @param inputsEmbeds (B, S, D)
     * @return {@code layers + 1} values of (B, S, D); the last is {@code last_hidden_state} before any final norm
     */
    List<Value> forward(Graph g, Value inputsEmbeds) {
        List<Value> hiddenStates = new ArrayList<>(List.of(inputsEmbeds));
        Value h = inputsEmbeds;
        for (ClipEncoderLayer layer : layers) {
            h = layer.forward(g, h);
            hiddenStates.add(h);
        }
        return hiddenStates;
    }
}
