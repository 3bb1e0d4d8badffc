package org.bivdiff.models.clip;

import org.bivdiff.io.ConfigJson;

/**
 * The attributes every transformers {@code PretrainedConfig} carries besides the architecture (generation
 * defaults, label maps, output switches, bookkeeping), as a full {@code to_dict()} writes them into nested
 * configs such as CLIP's {@code text_config} and {@code vision_config}. None of them changes a CLIP forward
 * pass ({@code pruned_heads} would, but pruned weights have other shapes, which loading refuses).
 */
final class PretrainedConfigKeys {

    private static final String[] KEYS = {"add_cross_attention", "architectures", "bad_words_ids",
        "begin_suppress_tokens", "bos_token_id", "chunk_size_feed_forward", "cross_attention_hidden_size",
        "decoder_start_token_id", "diversity_penalty", "do_sample", "early_stopping", "encoder_no_repeat_ngram_size",
        "eos_token_id", "exponential_decay_length_penalty", "finetuning_task", "forced_bos_token_id",
        "forced_eos_token_id", "gradient_checkpointing", "id2label", "is_decoder", "is_encoder_decoder", "label2id",
        "length_penalty", "max_length", "min_length", "no_repeat_ngram_size", "num_beam_groups", "num_beams",
        "num_return_sequences", "output_attentions", "output_hidden_states", "output_scores", "pad_token_id",
        "prefix", "problem_type", "pruned_heads", "remove_invalid_values", "repetition_penalty", "return_dict",
        "return_dict_in_generate", "sep_token_id", "suppress_tokens", "task_specific_params", "temperature",
        "tf_legacy_loss", "tie_encoder_decoder", "tie_word_embeddings", "tokenizer_class", "top_k", "top_p",
        "dtype", "torch_dtype", "torchscript", "transformers_version", "typical_p", "use_bfloat16",
        // Training-only: dropout rates and initialisation scales.
        "attention_dropout", "dropout", "initializer_factor", "initializer_range"};

    private PretrainedConfigKeys() {
    }

    /** Marks the common attributes of {@code c} as known. */
    static void ignore(ConfigJson c) {
        c.ignore(KEYS);
    }
}
