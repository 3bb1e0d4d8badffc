package org.bivdiff.models.random;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.bivdiff.io.DType;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.clip.ByteLevelTokenizerFiles;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;

/**
 * Tiny random-weight models in the real diffusers layouts, for the demo and tests: a Stable
 * Diffusion 1.5-style pipeline folder, a ControlNet and a T2I-Adapter for it, and a ZeroScope-style
 * text-to-video pipeline folder. Deterministic per
 * seed; the weights are random, so the models compute nothing meaningful. Each architecture's
 * parameter list comes from its own loader ({@code parameterShapes}).
 */
public final class TinyModels {

    /** Channels per UNet level; four levels in the layout BIVDiff's inflation expects. */
    static final List<Integer> UNET_CHANNELS = List.of(32, 32, 64, 64);
    static final int TEXT_WIDTH = 32;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TinyModels() {
    }

    /**
     * Writes a Stable Diffusion 1.5-style pipeline folder ({@code model_index.json}, {@code scheduler},
     * {@code tokenizer}, {@code text_encoder}, {@code unet}, {@code vae}).
     */
    public static Path stableDiffusion(Path folder, long seed) throws IOException {
        Files.createDirectories(folder);
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("_class_name", "StableDiffusionPipeline");
        index.put("feature_extractor", Arrays.asList(null, null));
        index.put("requires_safety_checker", false);
        index.put("safety_checker", Arrays.asList(null, null));
        index.put("scheduler", List.of("diffusers", "DDIMScheduler"));
        index.put("text_encoder", List.of("transformers", "CLIPTextModel"));
        index.put("tokenizer", List.of("transformers", "CLIPTokenizer"));
        index.put("unet", List.of("diffusers", "UNet2DConditionModel"));
        index.put("vae", List.of("diffusers", "AutoencoderKL"));
        JSON.writeValue(folder.resolve("model_index.json").toFile(), index);
        scheduler(folder.resolve("scheduler"));
        textEncoder(folder, "<|endoftext|>", "quick_gelu", seed);
        component(folder.resolve("unet"), unetConfig(), seed + 1, UNet2DConditionModel::parameterShapes);
        component(folder.resolve("vae"), vaeConfig(), seed + 2, AutoencoderKL::parameterShapes);
        return folder;
    }

    /**
     * Writes a ZeroScope-style text-to-video pipeline folder: a UNet3D (32-channel multiples, as its
     * temporal convolutions' 32-group norms need), an SD 2.x-style text encoder and tokenizer (gelu,
     * {@code !} padding), a VAE and a DDIM scheduler.
     */
    public static Path videoModel(Path folder, long seed) throws IOException {
        Files.createDirectories(folder);
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("_class_name", "TextToVideoSDPipeline");
        index.put("scheduler", List.of("diffusers", "DDIMScheduler"));
        index.put("text_encoder", List.of("transformers", "CLIPTextModel"));
        index.put("tokenizer", List.of("transformers", "CLIPTokenizer"));
        index.put("unet", List.of("diffusers", "UNet3DConditionModel"));
        index.put("vae", List.of("diffusers", "AutoencoderKL"));
        JSON.writeValue(folder.resolve("model_index.json").toFile(), index);
        scheduler(folder.resolve("scheduler"));
        textEncoder(folder, "!", "gelu", seed);
        Map<String, Object> unet = new LinkedHashMap<>();
        unet.put("_class_name", "UNet3DConditionModel");
        unet.put("act_fn", "silu");
        unet.put("attention_head_dim", 8);
        unet.put("block_out_channels", UNET_CHANNELS);
        unet.put("cross_attention_dim", TEXT_WIDTH);
        unet.put("down_block_types", List.of("CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "CrossAttnDownBlock3D",
                "DownBlock3D"));
        unet.put("downsample_padding", 1);
        unet.put("in_channels", 4);
        unet.put("layers_per_block", 1);
        unet.put("mid_block_scale_factor", 1);
        unet.put("norm_eps", 1e-5);
        unet.put("norm_num_groups", 8);
        unet.put("out_channels", 4);
        unet.put("sample_size", 32);
        unet.put("up_block_types", List.of("UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D",
                "CrossAttnUpBlock3D"));
        component(folder.resolve("unet"), unet, seed + 1, UNet3DConditionModel::parameterShapes);
        component(folder.resolve("vae"), vaeConfig(), seed + 2, AutoencoderKL::parameterShapes);
        return folder;
    }

    /** Writes a ControlNet for {@link #stableDiffusion}'s UNet. */
    public static Path controlNet(Path folder, long seed) throws IOException {
        Map<String, Object> c = unetConfig();
        c.put("_class_name", "ControlNetModel");
        for (String k : List.of("out_channels", "up_block_types", "sample_size", "center_input_sample")) {
            c.remove(k);
        }
        c.put("conditioning_channels", 3);
        c.put("conditioning_embedding_out_channels", List.of(16, 32));   // one halving: the VAE's factor 2
        c.put("controlnet_conditioning_channel_order", "rgb");
        c.put("global_pool_conditions", false);
        component(folder, c, seed, ControlNetModel::parameterShapes);
        return folder;
    }

    /** Writes a full T2I-Adapter for {@link #stableDiffusion}'s UNet. */
    public static Path t2iAdapter(Path folder, long seed) throws IOException {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "T2IAdapter");
        c.put("adapter_type", "full_adapter");
        c.put("channels", UNET_CHANNELS);
        c.put("downscale_factor", 2);
        c.put("in_channels", 3);
        c.put("num_res_blocks", 1);
        component(folder, c, seed, T2IAdapter::parameterShapes);
        return folder;
    }

    /** Writes {@code tokenizer/} and {@code text_encoder/} of a pipeline folder. */
    public static void textEncoder(Path pipeline, String padToken, String activation, long seed) throws IOException {
        int vocab = ByteLevelTokenizerFiles.write(pipeline.resolve("tokenizer"), padToken);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("CLIPTextModel"));
        c.put("model_type", "clip_text_model");
        c.put("hidden_act", activation);
        c.put("hidden_size", TEXT_WIDTH);
        c.put("intermediate_size", 4 * TEXT_WIDTH);
        c.put("num_attention_heads", 4);
        c.put("num_hidden_layers", 2);
        c.put("max_position_embeddings", 77);
        c.put("layer_norm_eps", 1e-5);
        c.put("vocab_size", vocab);
        c.put("bos_token_id", vocab - 2);
        c.put("eos_token_id", vocab - 1);
        c.put("pad_token_id", 1);
        Path folder = pipeline.resolve("text_encoder");
        Files.createDirectories(folder);
        JSON.writeValue(folder.resolve("config.json").toFile(), c);
        RandomWeights.write(folder.resolve("model.safetensors"), ClipTextModel.parameterShapes(folder), seed, DType.F32);
    }

    /** Writes the SD 1.5 DDIM scheduler config. */
    public static void scheduler(Path folder) throws IOException {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "DDIMScheduler");
        c.put("beta_end", 0.012);
        c.put("beta_schedule", "scaled_linear");
        c.put("beta_start", 0.00085);
        c.put("clip_sample", false);
        c.put("num_train_timesteps", 1000);
        c.put("prediction_type", "epsilon");
        c.put("set_alpha_to_one", false);
        c.put("steps_offset", 1);
        c.put("timestep_spacing", "leading");
        Files.createDirectories(folder);
        JSON.writeValue(folder.resolve("scheduler_config.json").toFile(), c);
    }

    static Map<String, Object> unetConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "UNet2DConditionModel");
        c.put("act_fn", "silu");
        c.put("attention_head_dim", 4);
        c.put("block_out_channels", UNET_CHANNELS);
        c.put("center_input_sample", false);
        c.put("cross_attention_dim", TEXT_WIDTH);
        c.put("down_block_types", List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                "DownBlock2D"));
        c.put("downsample_padding", 1);
        c.put("flip_sin_to_cos", true);
        c.put("freq_shift", 0);
        c.put("in_channels", 4);
        c.put("layers_per_block", 1);
        c.put("mid_block_scale_factor", 1);
        c.put("norm_eps", 1e-5);
        c.put("norm_num_groups", 8);
        c.put("out_channels", 4);
        c.put("sample_size", 32);
        c.put("up_block_types", List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                "CrossAttnUpBlock2D"));
        return c;
    }

    static Map<String, Object> vaeConfig() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "AutoencoderKL");
        c.put("act_fn", "silu");
        c.put("block_out_channels", List.of(32, 64));
        c.put("down_block_types", List.of("DownEncoderBlock2D", "DownEncoderBlock2D"));
        c.put("up_block_types", List.of("UpDecoderBlock2D", "UpDecoderBlock2D"));
        c.put("in_channels", 3);
        c.put("out_channels", 3);
        c.put("latent_channels", 4);
        c.put("layers_per_block", 1);
        c.put("norm_num_groups", 8);
        c.put("sample_size", 64);
        c.put("scaling_factor", 0.18215);
        return c;
    }

    /** Writes {@code config.json} and random {@code diffusion_pytorch_model.safetensors} into {@code folder}. */
    public static void component(Path folder, Map<String, Object> config, long seed, ShapeSource shapes)
            throws IOException {
        Files.createDirectories(folder);
        JSON.writeValue(folder.resolve("config.json").toFile(), config);
        RandomWeights.write(folder.resolve("diffusion_pytorch_model.safetensors"), shapes.shapes(folder), seed, DType.F32);
    }

    /** An architecture's parameter list, read from the config in a folder. */
    @FunctionalInterface
    public interface ShapeSource {
        Map<String, long[]> shapes(Path folder) throws IOException;
    }
}
