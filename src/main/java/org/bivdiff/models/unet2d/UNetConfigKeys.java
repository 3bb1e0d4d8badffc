package org.bivdiff.models.unet2d;

import java.util.Arrays;

import org.bivdiff.io.ConfigException;
import org.bivdiff.io.ConfigJson;

/**
 * The UNet config keys whose every non-default value changes the architecture in ways this port
 * does not implement, and the legacy spelling of the head count. Only {@link UNet2DConditionConfig}
 * uses it.
 */
final class UNetConfigKeys {

    /** Options that must be null or absent: extra embeddings, projections and conditioning inputs. */
    private static final String[] MUST_BE_NULL = {"class_embed_type", "num_class_embeds", "addition_embed_type",
        "addition_time_embed_dim", "encoder_hid_dim", "encoder_hid_dim_type", "projection_class_embeddings_input_dim"};

    /** Up-path and time-embedding options of the full UNet that must be null or absent. */
    private static final String[] UNET_MUST_BE_NULL = {"time_embedding_dim", "time_embedding_act_fn",
        "timestep_post_act", "time_cond_proj_dim", "cross_attention_norm", "reverse_transformer_layers_per_block"};

    private UNetConfigKeys() {
    }

    /** Fails on any option set to something this port does not build; marks the harmless ones read. */
    static void refuseUnsupported(ConfigJson c, boolean fullUNet) throws ConfigException {
        requireNull(c, MUST_BE_NULL);
        requireFalse(c, "dual_cross_attention", "only_cross_attention");
        requireString(c, "resnet_time_scale_shift", "default");
        if (fullUNet) {
            requireNull(c, UNET_MUST_BE_NULL);
            requireFalse(c, "class_embeddings_concat", "resnet_skip_time_act", "mid_block_only_cross_attention");
            requireString(c, "time_embedding_type", "positional");
            requireString(c, "attention_type", "default");
        }
        // Without effect on inference: the nominal latent size, dropout, and the head count of an
        // addition embedding that must be absent (checked above).
        c.ignore("sample_size", "dropout", "addition_embed_type_num_heads");
    }

    /**
     * Attention heads per level. SD 1.x / 2.x configs give them as {@code attention_head_dim} (a
     * misnomer diffusers keeps); {@code num_attention_heads}, when set, wins.
     */
    static int[] attentionHeads(ConfigJson c, int levels) throws ConfigException {
        int[] fromHeadDim = c.has("attention_head_dim") ? c.integers("attention_head_dim", levels)
                : markedFill(c, "attention_head_dim", levels, 8);
        return c.has("num_attention_heads") ? c.integers("num_attention_heads", levels)
                : markedNull(c, "num_attention_heads", fromHeadDim);
    }

    /** {@code levels} copies of {@code value}, with {@code key} marked read (it is null or absent). */
    static int[] markedFill(ConfigJson c, String key, int levels, int value) {
        int[] a = new int[levels];
        Arrays.fill(a, value);
        c.ignore(key);
        return a;
    }

    private static int[] markedNull(ConfigJson c, String key, int[] value) {
        c.ignore(key);
        return value;
    }

    private static void requireNull(ConfigJson c, String... keys) throws ConfigException {
        for (String k : keys) {
            if (c.has(k)) {
                throw new ConfigException(c.file() + ": option '" + k + "' is set; this implementation supports "
                        + "only UNets without it (null)");
            }
            c.ignore(k);
        }
    }

    private static void requireFalse(ConfigJson c, String... keys) throws ConfigException {
        for (String k : keys) {
            if (c.bool(k, false)) {
                throw new ConfigException(c.file() + ": option '" + k + "' = true is not supported");
            }
        }
    }

    private static void requireString(ConfigJson c, String key, String supported) throws ConfigException {
        String v = c.string(key, supported);
        if (!v.equals(supported)) {
            throw new ConfigException(c.file() + ": '" + key + "' = \"" + v + "\" is not supported (supported: \""
                    + supported + "\")");
        }
    }
}
