package org.bivdiff.models.random;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code config.json} contents of each architecture, in diffusers' / transformers' spellings,
 * parameterised by size: one place for the layouts that the tiny demo models and the full-size
 * benchmark models share.
 */
final class ModelConfigs {

    private ModelConfigs() {
    }

    /**
     * The keys a UNet2DConditionModel and a ControlNetModel share: SD 1.x's four levels (three with
     * cross-attention, then a plain one).
     */
    static Map<String, Object> unetDownAndMid(String className, List<Integer> channels, int heads, int crossAttentionDim,
                                              int layersPerBlock, int groups) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", className);
        c.put("act_fn", "silu");
        c.put("attention_head_dim", heads);
        c.put("block_out_channels", channels);
        c.put("cross_attention_dim", crossAttentionDim);
        c.put("down_block_types", levels("CrossAttnDownBlock2D", "DownBlock2D", channels.size(), false));
        c.put("downsample_padding", 1);
        c.put("flip_sin_to_cos", true);
        c.put("freq_shift", 0);
        c.put("in_channels", 4);
        c.put("layers_per_block", layersPerBlock);
        c.put("mid_block_scale_factor", 1);
        c.put("norm_eps", 1e-5);
        c.put("norm_num_groups", groups);
        return c;
    }

    /** A UNet2DConditionModel: {@link #unetDownAndMid} plus the up path. */
    static Map<String, Object> unet2d(List<Integer> channels, int heads, int crossAttentionDim, int layersPerBlock,
                                      int groups, int sampleSize) {
        Map<String, Object> c = unetDownAndMid("UNet2DConditionModel", channels, heads, crossAttentionDim,
                layersPerBlock, groups);
        c.put("center_input_sample", false);
        c.put("out_channels", 4);
        c.put("sample_size", sampleSize);
        c.put("up_block_types", levels("CrossAttnUpBlock2D", "UpBlock2D", channels.size(), true));
        return c;
    }

    /** A UNet3DConditionModel (ZeroScope / ModelScope layout); {@code headDim} is channels per head there. */
    static Map<String, Object> unet3d(List<Integer> channels, int headDim, int crossAttentionDim, int layersPerBlock,
                                      int groups, int sampleSize) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "UNet3DConditionModel");
        c.put("act_fn", "silu");
        c.put("attention_head_dim", headDim);
        c.put("block_out_channels", channels);
        c.put("cross_attention_dim", crossAttentionDim);
        c.put("down_block_types", levels("CrossAttnDownBlock3D", "DownBlock3D", channels.size(), false));
        c.put("downsample_padding", 1);
        c.put("in_channels", 4);
        c.put("layers_per_block", layersPerBlock);
        c.put("mid_block_scale_factor", 1);
        c.put("norm_eps", 1e-5);
        c.put("norm_num_groups", groups);
        c.put("out_channels", 4);
        c.put("sample_size", sampleSize);
        c.put("up_block_types", levels("CrossAttnUpBlock3D", "UpBlock3D", channels.size(), true));
        return c;
    }

    /** An AutoencoderKL with one encoder and one decoder block per level. */
    static Map<String, Object> vae(List<Integer> channels, int layersPerBlock, int groups, int sampleSize) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "AutoencoderKL");
        c.put("act_fn", "silu");
        c.put("block_out_channels", channels);
        c.put("down_block_types", Collections.nCopies(channels.size(), "DownEncoderBlock2D"));
        c.put("in_channels", 3);
        c.put("latent_channels", 4);
        c.put("layers_per_block", layersPerBlock);
        c.put("norm_num_groups", groups);
        c.put("out_channels", 3);
        c.put("sample_size", sampleSize);
        c.put("up_block_types", Collections.nCopies(channels.size(), "UpDecoderBlock2D"));
        c.put("scaling_factor", 0.18215);   // SD 1.x / 2.x, as their configs spell it out
        return c;
    }

    /** A transformers CLIPTextModel; {@code projectionDim} 0 leaves {@code projection_dim} out. */
    static Map<String, Object> clipText(int hidden, int intermediate, int layers, int heads, String activation,
                                        int vocabSize, int bosId, int eosId, int projectionDim) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("CLIPTextModel"));
        c.put("model_type", "clip_text_model");
        c.put("hidden_act", activation);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_attention_heads", heads);
        c.put("num_hidden_layers", layers);
        c.put("max_position_embeddings", 77);
        c.put("layer_norm_eps", 1e-5);
        if (projectionDim > 0) {
            c.put("projection_dim", projectionDim);
        }
        c.put("vocab_size", vocabSize);
        c.put("bos_token_id", bosId);
        c.put("eos_token_id", eosId);
        c.put("pad_token_id", 1);
        return c;
    }

    /**
     * A transformers CLIPModel: {@code text} is a {@link #clipText} config (its architecture keys dropped, as a
     * nested {@code text_config}), the vision tower a ViT of {@code imageSize} pixels in {@code patch}-pixel patches.
     */
    static Map<String, Object> clip(Map<String, Object> text, int visionHidden, int visionLayers, int visionHeads,
                                    int imageSize, int patch, int projectionDim) {
        Map<String, Object> textConfig = new LinkedHashMap<>(text);
        textConfig.remove("architectures");
        Map<String, Object> vision = new LinkedHashMap<>();
        vision.put("model_type", "clip_vision_model");
        vision.put("hidden_act", "quick_gelu");
        vision.put("hidden_size", visionHidden);
        vision.put("intermediate_size", 2 * visionHidden);
        vision.put("num_attention_heads", visionHeads);
        vision.put("num_hidden_layers", visionLayers);
        vision.put("num_channels", 3);
        vision.put("image_size", imageSize);
        vision.put("patch_size", patch);
        vision.put("layer_norm_eps", 1e-5);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("CLIPModel"));
        c.put("model_type", "clip");
        c.put("projection_dim", projectionDim);
        c.put("logit_scale_init_value", 2.6592);
        c.put("text_config", textConfig);
        c.put("vision_config", vision);
        return c;
    }

    /** CLIPImageProcessor's {@code preprocessor_config.json} for {@code size}-pixel inputs, CLIP's mean and std. */
    static Map<String, Object> clipImageProcessor(int size) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("image_processor_type", "CLIPImageProcessor");
        c.put("do_convert_rgb", true);
        c.put("do_resize", true);
        c.put("size", Map.of("shortest_edge", size));
        c.put("resample", 3);
        c.put("do_center_crop", true);
        c.put("crop_size", Map.of("height", size, "width", size));
        c.put("do_rescale", true);
        c.put("rescale_factor", 1.0 / 255);
        c.put("do_normalize", true);
        c.put("image_mean", List.of(0.48145466, 0.4578275, 0.40821073));
        c.put("image_std", List.of(0.26862954, 0.26130258, 0.27577711));
        return c;
    }

    /** A full T2I-Adapter. */
    static Map<String, Object> t2iAdapter(List<Integer> channels, int downscaleFactor, int inChannels, int resBlocks) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "T2IAdapter");
        c.put("adapter_type", "full_adapter");
        c.put("channels", channels);
        c.put("downscale_factor", downscaleFactor);
        c.put("in_channels", inChannels);
        c.put("num_res_blocks", resBlocks);
        return c;
    }

    /** SD 1.x's block types: cross-attention on every level but the deepest (mirrored on the way up). */
    private static List<String> levels(String crossAttention, String plain, int n, boolean up) {
        List<String> types = new ArrayList<>(Collections.nCopies(n - 1, crossAttention));
        types.add(up ? 0 : n - 1, plain);
        return List.copyOf(types);
    }

    /** A tiny DPTForDepthEstimation config with {@code is_hybrid}, in transformers' spelling. */
    static Map<String, Object> dptHybrid() {
        Map<String, Object> bit = new LinkedHashMap<>();
        bit.put("model_type", "bit");
        bit.put("layer_type", "bottleneck");
        bit.put("global_padding", "SAME");
        bit.put("embedding_dynamic_padding", true);
        bit.put("embedding_size", 16);
        bit.put("hidden_sizes", List.of(32, 64, 128));
        bit.put("depths", List.of(1, 1, 1));
        bit.put("num_groups", 8);
        bit.put("out_features", List.of("stage1", "stage2", "stage3"));
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("DPTForDepthEstimation"));
        c.put("model_type", "dpt");
        c.put("is_hybrid", true);
        c.put("backbone_config", bit);
        c.put("backbone_featmap_shape", List.of(1, 128, 4, 4));
        c.put("backbone_out_indices", List.of(0, 1, 0, 1));
        c.put("hidden_size", 32);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 2);
        c.put("intermediate_size", 64);
        c.put("image_size", 64);
        c.put("patch_size", 16);
        c.put("layer_norm_eps", 1e-6);
        c.put("neck_hidden_sizes", List.of(32, 64, 32, 32));
        c.put("neck_ignore_stages", List.of(0, 1));
        c.put("reassemble_factors", List.of(1, 1, 1, 0.5));
        c.put("readout_type", "project");
        c.put("fusion_hidden_size", 16);
        return c;
    }
}
