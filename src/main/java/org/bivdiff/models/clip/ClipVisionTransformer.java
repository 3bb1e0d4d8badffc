package org.bivdiff.models.clip;

import java.util.List;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Value;
import org.bivdiff.models.Weights;
import org.bivdiff.models.blocks.Conv2d;
import org.bivdiff.models.blocks.LayerNorm;

/**
 * Port of transformers models/clip/modeling_clip.py::CLIPVisionTransformer (4.31), the {@code vision_model}
 * of {@code CLIPModel} and {@code CLIPVisionModelWithProjection}. Weight keys under {@code vision_model}:
 * <pre>
 * embeddings.class_embedding              (D)
 * embeddings.patch_embedding.weight       (D, C, patch, patch), no bias
 * embeddings.position_embedding.weight    ((S / patch)^2 + 1, D)
 * embeddings.position_ids                 (1, (S / patch)^2 + 1) int64 buffer, not read
 * pre_layrnorm                            (sic)
 * encoder.layers.N.{layer_norm1, self_attn.{q,k,v,out}_proj, layer_norm2, mlp.fc1, mlp.fc2}
 * post_layernorm                          applied to the class token only
 * </pre>
 */
final class ClipVisionTransformer {

    private final ClipVisionConfig config;
    private final ExternalTensor classEmbedding;
    private final Conv2d patchEmbedding;
    private final ExternalTensor positionEmbedding;
    private final LayerNorm preLayrnorm;
    private final ClipEncoder encoder;
    private final LayerNorm postLayernorm;

    private ClipVisionTransformer(ClipVisionConfig config, ExternalTensor classEmbedding, Conv2d patchEmbedding,
                                  ExternalTensor positionEmbedding, LayerNorm preLayrnorm, ClipEncoder encoder,
                                  LayerNorm postLayernorm) {
        this.config = config;
        this.classEmbedding = classEmbedding;
        this.patchEmbedding = patchEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.preLayrnorm = preLayrnorm;
        this.encoder = encoder;
        this.postLayernorm = postLayernorm;
    }

    /** Loads the keys under {@code visionModel} (the {@code vision_model} view). */
    static ClipVisionTransformer load(Weights visionModel, ClipVisionConfig cfg) {
        int d = cfg.hiddenSize();
        float eps = (float) cfg.layerNormEps();
        Weights emb = visionModel.child("embeddings");
        ExternalTensor classEmbedding = emb.tensor("class_embedding", d);
        Conv2d patchEmbedding = Conv2d.loadWithoutBias(emb.child("patch_embedding"), cfg.numChannels(), d,
                cfg.patchSize(), cfg.patchSize(), 0);
        ExternalTensor positionEmbedding = emb.child("position_embedding").tensor("weight", cfg.numPositions(), d);
        // Always arange(num_positions) in transformers; the whole table is added.
        emb.markUsed("position_ids");
        return new ClipVisionTransformer(cfg, classEmbedding, patchEmbedding, positionEmbedding,
                LayerNorm.load(visionModel.child("pre_layrnorm"), d, eps),
                ClipEncoder.load(visionModel.child("encoder"), cfg.encoder(), cfg.numHiddenLayers(), false),
                LayerNorm.load(visionModel.child("post_layernorm"), d, eps));
    }

    /**
     * @param lastHiddenState (B, 1 + (S / patch)^2, D) the encoder output, class token first, not post-normed
     * @param pooledOutput    (B, D) {@code post_layernorm} of the class token
     */
    record Output(Value lastHiddenState, Value pooledOutput) {
    }

    /** pixelValues: (B, C, S, S) normalised pixels, S = image_size. */
    Output forward(Graph g, Value pixelValues) {
        int d = config.hiddenSize();
        // CLIPVisionEmbeddings: patches, the class token in front, the position table added
        Value patches = patchEmbedding.forward(g, pixelValues);                        // (B, D, S/p, S/p)
        Value tokens = g.transpose(g.reshape(patches, 0, d, -1), 0, 2, 1);            // (B, (S/p)^2, D)
        Value batch = g.slice(g.shape(pixelValues), new long[] {0}, new long[] {1}, new long[] {0});   // [B]
        Value classToken = g.node("Expand", List.of(g.reshape(g.weight(classEmbedding), 1, 1, d),
                g.concat(0, batch, g.longs(1, d))), List.of());                         // (B, 1, D)
        Value h = g.add(g.concat(1, classToken, tokens), g.weight(positionEmbedding));  // (B, N + 1, D)
        Value last = encoder.forward(g, preLayrnorm.forward(g, h)).getLast();
        Value classState = g.reshape(g.slice(last, new long[] {0}, new long[] {1}, new long[] {1}), -1, d);  // (B, D)
        return new Output(last, postLayernorm.forward(g, classState));
    }
}
