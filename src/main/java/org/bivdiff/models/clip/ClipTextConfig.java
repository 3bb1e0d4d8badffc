package org.bivdiff.models.clip;

import java.io.IOException;
import java.nio.file.Path;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;
import org.bivdiff.models.blocks.Activation;

/**
 * The {@code config.json} of transformers' {@code CLIPTextModel} (a {@code CLIPTextConfig}).
 *
 * @param vocabSize             rows of {@code token_embedding} (49408 for CLIP)
 * @param hiddenSize            D, the width of every token state (768 SD 1.x, 1024 SD 2.x)
 * @param intermediateSize      width of the MLP between {@code fc1} and {@code fc2}
 * @param numHiddenLayers       encoder layers
 * @param numAttentionHeads     heads of each self-attention; D must be divisible by it
 * @param maxPositionEmbeddings rows of {@code position_embedding}: the longest sequence (77)
 * @param hiddenAct             the MLP activation
 * @param layerNormEps          epsilon of every LayerNorm
 */
public record ClipTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                             int numAttentionHeads, int maxPositionEmbeddings, HiddenAct hiddenAct,
                             double layerNormEps) {

    /** The activations CLIP text encoders use: {@code quick_gelu} (OpenAI CLIP, SD 1.x), {@code gelu} (OpenCLIP, SD 2.x). */
    public enum HiddenAct implements ConfigJson.Spelled {
        QUICK_GELU("quick_gelu", Activation.QUICK_GELU), GELU("gelu", Activation.GELU);

        private final String spelling;
        private final Activation activation;

        HiddenAct(String spelling, Activation activation) {
            this.spelling = spelling;
            this.activation = activation;
        }

        @Override
        public String spelling() {
            return spelling;
        }

        /** The graph activation. */
        public Activation activation() {
            return activation;
        }
    }

    public ClipTextConfig {
        if (vocabSize <= 0 || hiddenSize <= 0 || intermediateSize <= 0 || numHiddenLayers <= 0
                || numAttentionHeads <= 0 || maxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("CLIP text config sizes must be positive: " + sizes(vocabSize, hiddenSize,
                    intermediateSize, numHiddenLayers, numAttentionHeads, maxPositionEmbeddings));
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numAttentionHeads);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be positive, got " + layerNormEps);
        }
    }

    /** Channels per attention head. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** What each encoder layer needs. */
    ClipEncoderConfig encoder() {
        return new ClipEncoderConfig(hiddenSize, intermediateSize, numAttentionHeads, hiddenAct, layerNormEps);
    }

    /** Reads {@code folder/config.json}; defaults are transformers' {@code CLIPTextConfig} defaults. */
    public static ClipTextConfig read(Path folder) throws IOException {
        ConfigJson c = ConfigJson.read(folder.resolve("config.json"));
        ClipArchitecture.CLIP_TEXT_MODEL.check(c);
        ClipTextConfig cfg = read(c);
        c.finish();
        return cfg;
    }

    /**
     * The architecture in {@code c}: a text encoder's {@code config.json} or the {@code text_config} of a
     * {@code CLIPModel}; the caller calls {@code c.finish()}.
     */
    static ClipTextConfig read(ConfigJson c) throws ConfigException {
        String modelType = c.string("model_type", "clip_text_model");
        if (!modelType.equals("clip_text_model")) {
            throw new ConfigException(c.file() + ": model_type is '" + modelType + "', expected clip_text_model");
        }
        ClipTextConfig cfg;
        try {
            cfg = new ClipTextConfig(c.integer("vocab_size", 49408), c.integer("hidden_size", 512),
                    c.integer("intermediate_size", 2048), c.integer("num_hidden_layers", 12),
                    c.integer("num_attention_heads", 8), c.integer("max_position_embeddings", 77),
                    c.enumValue("hidden_act", HiddenAct.class, HiddenAct.QUICK_GELU), c.number("layer_norm_eps", 1e-5));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": " + e.getMessage());
        }
        // Without effect on inference: the CLIPModel projection width (CLIPModel reads its own), token ids the
        // tokenizer owns (transformers 4.31 pools at argmax(input_ids) whatever eos_token_id says), and the
        // attributes every transformers config carries.
        c.ignore("projection_dim");
        PretrainedConfigKeys.ignore(c);
        return cfg;
    }

    private static String sizes(int... s) {
        return "vocab_size " + s[0] + ", hidden_size " + s[1] + ", intermediate_size " + s[2] + ", num_hidden_layers "
                + s[3] + ", num_attention_heads " + s[4] + ", max_position_embeddings " + s[5];
    }
}
