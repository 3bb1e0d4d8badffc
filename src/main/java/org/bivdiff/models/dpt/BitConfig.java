package org.bivdiff.models.dpt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;

/**
 * The {@code backbone_config} of a hybrid DPT: transformers' {@code BitConfig} as ViT-hybrid uses it (non
 * pre-activation bottleneck layers, TensorFlow 'SAME' padding, a dynamically padded stem pool). Other BiT
 * variants fail when read.
 *
 * @param numChannels   input channels
 * @param embeddingSize channels of the stem (its 7x7 convolution)
 * @param hiddenSizes   output channels of each stage
 * @param depths        bottleneck layers per stage
 * @param numGroups     groups of every GroupNorm
 */
public record BitConfig(int numChannels, int embeddingSize, int[] hiddenSizes, int[] depths, int numGroups) {

    /** Keys of transformers' {@code PretrainedConfig} that every saved config carries and that change nothing here. */
    static final List<String> PRETRAINED_CONFIG_KEYS = List.of("add_cross_attention", "architectures",
            "bad_words_ids", "begin_suppress_tokens", "bos_token_id", "chunk_size_feed_forward",
            "cross_attention_hidden_size", "decoder_start_token_id", "diversity_penalty", "do_sample", "early_stopping",
            "encoder_no_repeat_ngram_size", "eos_token_id", "exponential_decay_length_penalty", "finetuning_task",
            "forced_bos_token_id", "forced_eos_token_id", "id2label", "is_decoder", "is_encoder_decoder", "label2id",
            "length_penalty", "max_length", "min_length", "no_repeat_ngram_size", "num_beam_groups", "num_beams",
            "num_return_sequences", "output_attentions", "output_hidden_states", "output_scores", "pad_token_id",
            "prefix", "problem_type", "pruned_heads", "remove_invalid_values", "repetition_penalty", "return_dict",
            "return_dict_in_generate", "sep_token_id", "suppress_tokens", "task_specific_params", "temperature",
            "tf_legacy_loss", "tie_encoder_decoder", "tie_word_embeddings", "tokenizer_class", "top_k", "top_p",
            "torch_dtype", "torchscript", "transformers_version", "typical_p", "use_bfloat16", "initializer_range");

    public BitConfig {
        if (numChannels < 1 || embeddingSize < 1 || numGroups < 1 || hiddenSizes.length == 0
                || hiddenSizes.length != depths.length) {
            throw new IllegalArgumentException("BiT backbone needs num_channels, embedding_size, num_groups >= 1 and "
                    + "one depth per hidden size, got hidden_sizes " + Arrays.toString(hiddenSizes) + ", depths "
                    + Arrays.toString(depths));
        }
        for (int i = 0; i < depths.length; i++) {
            if (depths[i] < 1 || hiddenSizes[i] < 1) {
                throw new IllegalArgumentException("stage " + i + " needs a positive depth and width, got depth "
                        + depths[i] + ", hidden size " + hiddenSizes[i]);
            }
        }
        hiddenSizes = hiddenSizes.clone();
        depths = depths.clone();
    }

    @Override
    public int[] hiddenSizes() {
        return hiddenSizes.clone();
    }

    @Override
    public int[] depths() {
        return depths.clone();
    }

    /** Pixels per output pixel of the last stage: 4 for the stem, 2 for every stage after the first. */
    public int totalStride() {
        return 4 << (depths.length - 1);
    }

    /** Reads the {@code backbone_config} object; defaults are transformers' {@code BitConfig} defaults. */
    static BitConfig read(ConfigJson c) throws ConfigException {
        String modelType = c.string("model_type", "bit");
        if (!modelType.equals("bit")) {
            throw new ConfigException(c.file() + ": backbone_config.model_type is '" + modelType + "', expected bit");
        }
        require(c, c.string("layer_type", "preactivation").equals("bottleneck"), "layer_type", "bottleneck");
        require(c, c.string("global_padding", "").equalsIgnoreCase("same"), "global_padding", "SAME");
        require(c, c.string("hidden_act", "relu").equals("relu"), "hidden_act", "relu");
        require(c, c.bool("embedding_dynamic_padding", false), "embedding_dynamic_padding", "true");
        require(c, c.integer("width_factor", 1) == 1, "width_factor", "1");
        BitConfig cfg;
        try {
            cfg = new BitConfig(c.integer("num_channels", 3), c.integer("embedding_size", 64),
                    c.integers("hidden_sizes", 0), c.integers("depths", 0), c.integer("num_groups", 32));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.file() + ": backbone_config: " + e.getMessage());
        }
        // BitEncoder dilates instead of striding once the stride reaches output_stride
        int outputStride = c.integer("output_stride", 32);
        if (cfg.totalStride() / 2 >= outputStride) {
            throw new ConfigException(c.file() + ": backbone_config.output_stride " + outputStride
                    + " dilates the last stages, which is not implemented");
        }
        for (int i = 0; i < cfg.hiddenSizes.length; i++) {
            if (makeDiv(cfg.hiddenSizes[i]) != cfg.hiddenSizes[i]) {
                throw new ConfigException(c.file() + ": backbone_config.hidden_sizes[" + i + "] = "
                        + cfg.hiddenSizes[i] + " is not a multiple of 8 (BiT rounds stage widths)");
            }
        }
        // DPT-Hybrid takes the output of every stage: the first two as neck inputs, the last as ViT tokens
        List<String> stages = new ArrayList<>();
        for (int i = 1; i <= cfg.depths.length; i++) {
            stages.add("stage" + i);
        }
        if (c.has("out_features") && !c.strings("out_features").equals(stages)) {
            throw new ConfigException(c.file() + ": backbone_config.out_features must be " + stages + ", got "
                    + c.strings("out_features"));
        }
        c.ignore("out_features", "out_indices", "stage_names", "drop_path_rate");
        c.ignore(PRETRAINED_CONFIG_KEYS.toArray(String[]::new));
        c.finish();
        return cfg;
    }

    /** BiT's {@code make_div}: channels rounded to a multiple of 8, never below 8 or under 90% of the value. */
    static int makeDiv(double value) {
        int v = Math.max(8, (int) (value + 4) / 8 * 8);
        return v < 0.9 * value ? v + 8 : v;
    }

    private static void require(ConfigJson c, boolean ok, String key, String expected) throws ConfigException {
        if (!ok) {
            throw new ConfigException(c.file() + ": backbone_config." + key + " must be " + expected
                    + " (the BiT variant DPT-Hybrid uses)");
        }
    }
}
