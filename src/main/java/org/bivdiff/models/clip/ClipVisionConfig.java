package org.bivdiff.models.clip;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;
import org.bivdiff.models.clip.ClipTextConfig.HiddenAct;

/**
 * A transformers {@code CLIPVisionConfig}: the ViT of CLIP ({@code openai/clip-vit-large-patch14}: width 1024,
 * 24 layers, 16 heads, 224 x 224 pixels in patches of 14).
 *
 * @param hiddenSize        D, the width of every token state
 * @param intermediateSize  width of the MLP between {@code fc1} and {@code fc2}
 * @param numHiddenLayers   encoder layers
 * @param numAttentionHeads heads of each self-attention; D must be divisible by it
 * @param numChannels       input channels (3)
 * @param imageSize         the square input size in pixels; the model takes no other size
 * @param patchSize         side of the square patches (the stride of the patch convolution)
 * @param hiddenAct         the MLP activation
 * @param layerNormEps      epsilon of every LayerNorm
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
                               int numChannels, int imageSize, int patchSize, HiddenAct hiddenAct,
                               double layerNormEps) {

    public ClipVisionConfig {
        if (hiddenSize <= 0 || intermediateSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0
                || numChannels <= 0 || imageSize <= 0 || patchSize <= 0) {
            throw new IllegalArgumentException("CLIP vision config sizes must be positive: hidden_size " + hiddenSize
                    + ", intermediate_size " + intermediateSize + ", num_hidden_layers " + numHiddenLayers
                    + ", num_attention_heads " + numAttentionHeads + ", num_channels " + numChannels + ", image_size "
                    + imageSize + ", patch_size " + patchSize);
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numAttentionHeads);
        }
        if (patchSize > imageSize) {
            throw new IllegalArgumentException("patch_size " + patchSize + " is larger than image_size " + imageSize);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be positive, got " + layerNormEps);
        }
    }

    /** Patches per side: {@code image_size // patch_size}, as the stride-{@code patch_size} convolution gives. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Tokens of the encoder: the class token and one per patch. */
    public int numPositions() {
        return gridSize() * gridSize() + 1;
    }

    ClipEncoderConfig encoder() {
        return new ClipEncoderConfig(hiddenSize, intermediateSize, numAttentionHeads, hiddenAct, layerNormEps);
    }

    /**
     * The architecture in {@code c}: a {@code CLIPVisionModelWithProjection}'s {@code config.json} or the
     * {@code vision_config} of a {@code CLIPModel}; defaults are transformers'. The caller calls
     * {@code c.finish()} (and reads {@code projection_dim} where it matters).
     */
    static ClipVisionConfig read(ConfigJson c) throws ConfigException {
        String modelType = c.string("model_type", "clip_vision_model");
        if (!modelType.equals("clip_vision_model")) {
            throw new ConfigException(c.file() + ": model_type is '" + modelType + "', expected clip_vision_model");
        }
        try {
            ClipVisionConfig cfg = new ClipVisionConfig(c.integer("hidden_size", 768), c.integer("intermediate_size", 3072),
                    c.integer("num_hidden_layers", 12), c.integer("num_attention_heads", 12), c.integer("num_channels", 3),
                    c.integer("image_size", 224), c.integer("patch_size", 32),
                    c.enumValue("hidden_act", HiddenAct.class, HiddenAct.QUICK_GELU), c.number("layer_norm_eps", 1e-5));
            PretrainedConfigKeys.ignore(c);
            return cfg;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": " + e.getMessage());
        }
    }
}
