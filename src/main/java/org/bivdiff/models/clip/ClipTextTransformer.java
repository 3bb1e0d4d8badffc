package org.bivdiff.models.clip;

import java.util.Arrays;
import java.util.List;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.LayerNorm;
import org.bivdiff.tensor.LongTensor;

/**
 * Port of transformers models/clip/modeling_clip.py::CLIPTextTransformer (4.31), the {@code text_model} of
 * both {@code CLIPTextModel} and {@code CLIPModel}. Weight keys under {@code text_model}:
 * <pre>
 * embeddings.token_embedding.weight       (vocab_size, D)
 * embeddings.position_embedding.weight    (max_position_embeddings, D)
 * embeddings.position_ids                 (1, max_position_embeddings) int64 buffer, not read
 * encoder.layers.N.{layer_norm1, self_attn.{q,k,v,out}_proj, layer_norm2, mlp.fc1, mlp.fc2}
 * final_layer_norm
 * </pre>
 * Attention is causal. transformers also adds a padding mask when it is given an {@code attention_mask};
 * the pooled state does not depend on it: the pool is the first position of the largest id (eos, 49407,
 * CLIP's largest id), padding comes after it, and a causal position never sees later ones.
 */
final class ClipTextTransformer {

    private final ExternalTensor tokenEmbedding;
    private final ExternalTensor positionEmbedding;
    private final ClipEncoder encoder;
    private final LayerNorm finalLayerNorm;

    private ClipTextTransformer(ExternalTensor tokenEmbedding, ExternalTensor positionEmbedding, ClipEncoder encoder,
                                LayerNorm finalLayerNorm) {
        this.tokenEmbedding = tokenEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.encoder = encoder;
        this.finalLayerNorm = finalLayerNorm;
    }

    /** Loads the keys under {@code textModel} (the {@code text_model} view). */
    static ClipTextTransformer load(Weights textModel, ClipTextConfig cfg) {
        Weights emb = textModel.child("embeddings");
        int d = cfg.hiddenSize();
        ExternalTensor tokenEmbedding = emb.child("token_embedding").tensor("weight", cfg.vocabSize(), d);
        ExternalTensor positionEmbedding = emb.child("position_embedding").tensor("weight",
                cfg.maxPositionEmbeddings(), d);
        // Always arange(max_position_embeddings) in transformers; positions are computed in the graph.
        emb.markUsed("position_ids");
        ClipEncoder encoder = ClipEncoder.load(textModel.child("encoder"), cfg.encoder(), cfg.numHiddenLayers(), true);
        LayerNorm finalLayerNorm = LayerNorm.load(textModel.child("final_layer_norm"), d, (float) cfg.layerNormEps());
        return new ClipTextTransformer(tokenEmbedding, positionEmbedding, encoder, finalLayerNorm);
    }

    /**
     * @param hiddenStates    the embeddings, then each layer's output, each (B, S, D)
     * @param lastHiddenState (B, S, D) after {@code final_layer_norm}
     * @param pooledOutput    (B, D) row {@code argmax(input_ids[b])} of lastHiddenState
     */
    record Output(List<Value> hiddenStates, Value lastHiddenState, Value pooledOutput) {
    }

    /** inputIds: (B, S) int64. */
    Output forward(Graph g, Value inputIds) {
        // CLIPTextEmbeddings: token_embedding(input_ids) + position_embedding(arange(S))
        Value seqLen = g.slice(g.shape(inputIds), new long[] {1}, new long[] {2}, new long[] {0});     // (1) = [S]
        Value positions = g.node("Slice", List.of(g.weight(positionEmbedding), g.longs(0), seqLen, g.longs(0)),
                List.of());                                                                          // (S, D)
        Value h = g.add(g.gather(g.weight(tokenEmbedding), inputIds, 0), positions);                 // (B, S, D)
        List<Value> hiddenStates = encoder.forward(g, h);
        Value last = finalLayerNorm.forward(g, hiddenStates.getLast());                              // (B, S, D)
        // The eos state: the first position of the largest id (eos = 49407 is CLIP's largest id).
        Value eosPosition = g.argMax(g.cast(inputIds, DType.I32), 1);                                // (B, 1)
        return new Output(hiddenStates, last, g.gatherRows(last, eosPosition));                      // (B, D)
    }

    /** Refuses ids the encoder cannot take: not (B, S) with 1 <= S <= max_position_embeddings, or outside the vocabulary. */
    static void checkInputIds(LongTensor inputIds, ClipTextConfig config) {
        int[] s = inputIds.shape();
        if (s.length != 2 || s[0] == 0 || s[1] == 0 || s[1] > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("input_ids must be (B, S) with B >= 1 and 1 <= S <= "
                    + config.maxPositionEmbeddings() + ", got " + Arrays.toString(s));
        }
        for (long id : inputIds.data()) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
    }

    /** {@code final_layer_norm(x)}, for the states of skipped layers. */
    Value finalLayerNorm(Graph g, Value x) {
        return finalLayerNorm.forward(g, x);
    }
}
