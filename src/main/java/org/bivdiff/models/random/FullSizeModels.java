package org.bivdiff.models.random;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.bivdiff.io.DType;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;

/**
 * The configs of the full-size networks BIVDiff runs, as the public diffusers / transformers
 * {@code config.json} files spell them, with random weights in their real layouts: for benchmarks
 * (speed and memory do not depend on the values). Each {@link Component} writes one model folder;
 * weights are streamed one tensor at a time, so writing the 3.4 GB UNet needs little memory.
 *
 * <p>Sources: {@code runwayml/stable-diffusion-v1-5} ({@code unet}, {@code vae}, {@code text_encoder}:
 * CLIP ViT-L/14), {@code lllyasviel/control_v11p_sd15_canny}, {@code TencentARC/t2iadapter_canny_sd15v2},
 * {@code cerspense/zeroscope_v2_576w} ({@code unet}: UNet3DConditionModel; {@code text_encoder}: OpenCLIP
 * ViT-H/14's text tower).
 */
public final class FullSizeModels {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<Integer> SD15_CHANNELS = List.of(320, 640, 1280, 1280);
    private static final List<String> SD15_DOWN = List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
            "CrossAttnDownBlock2D", "DownBlock2D");

    /** A model folder: its config, the weights file name its loader reads, and its parameter list. */
    public record Component(String name, Map<String, Object> config, String weightsFile,
                            TinyModels.ShapeSource shapes) {

        /** Writes {@code config.json} and random weights (F32, deterministic per seed) into {@code folder}. */
        public void write(Path folder, long seed) throws IOException {
            Files.createDirectories(folder);
            JSON.writeValue(folder.resolve("config.json").toFile(), config);
            RandomWeights.write(folder.resolve(weightsFile), shapes.shapes(folder), seed, DType.F32);
        }

        /** The config as the JSON text written to {@code config.json}; a cache key. */
        public String configJson() {
            try {
                return JSON.writeValueAsString(config);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final String DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors";
    private static final String TRANSFORMERS_WEIGHTS = "model.safetensors";

    private FullSizeModels() {
    }

    /** SD 1.5's UNet: 860M parameters. */
    public static Component sd15Unet() {
        Map<String, Object> c = unetDownAndMid("UNet2DConditionModel");
        c.put("center_input_sample", false);
        c.put("out_channels", 4);
        c.put("sample_size", 64);
        c.put("up_block_types", List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                "CrossAttnUpBlock2D"));
        return new Component("sd15-unet", c, DIFFUSERS_WEIGHTS, UNet2DConditionModel::parameterShapes);
    }

    /** SD 1.5's VAE: 84M parameters, latents 8x smaller than the image. */
    public static Component sd15Vae() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "AutoencoderKL");
        c.put("act_fn", "silu");
        c.put("block_out_channels", List.of(128, 256, 512, 512));
        c.put("down_block_types", List.of("DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                "DownEncoderBlock2D"));
        c.put("in_channels", 3);
        c.put("latent_channels", 4);
        c.put("layers_per_block", 2);
        c.put("norm_num_groups", 32);
        c.put("out_channels", 3);
        c.put("sample_size", 512);
        c.put("up_block_types", List.of("UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D",
                "UpDecoderBlock2D"));
        return new Component("sd15-vae", c, DIFFUSERS_WEIGHTS, AutoencoderKL::parameterShapes);
    }

    /** SD 1.5's text encoder, CLIP ViT-L/14: 123M parameters. */
    public static Component clipVitL() {
        return new Component("clip-vit-l14", textConfig(768, 3072, 12, 12, "quick_gelu", 768), TRANSFORMERS_WEIGHTS,
                ClipTextModel::parameterShapes);
    }

    /** ZeroScope v2's text encoder, OpenCLIP ViT-H/14's text tower: 340M parameters. */
    public static Component openClipVitH() {
        return new Component("openclip-vit-h14", textConfig(1024, 4096, 23, 16, "gelu", 1024), TRANSFORMERS_WEIGHTS,
                ClipTextModel::parameterShapes);
    }

    /** ControlNet v1.1 (canny) for SD 1.5: 361M parameters; the conditioning image is 8x the latents. */
    public static Component controlNetCanny() {
        Map<String, Object> c = unetDownAndMid("ControlNetModel");
        c.put("conditioning_embedding_out_channels", List.of(16, 32, 96, 256));
        c.put("controlnet_conditioning_channel_order", "rgb");
        c.put("global_pool_conditions", false);
        c.put("upcast_attention", false);
        c.put("use_linear_projection", false);
        return new Component("controlnet-v11p-canny", c, DIFFUSERS_WEIGHTS, ControlNetModel::parameterShapes);
    }

    /** The full T2I-Adapter (canny, SD 1.5, v2): 77M parameters, one-channel input. */
    public static Component t2iAdapterCanny() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "T2IAdapter");
        c.put("adapter_type", "full_adapter");
        c.put("channels", SD15_CHANNELS);
        c.put("downscale_factor", 8);
        c.put("in_channels", 1);
        c.put("num_res_blocks", 2);
        return new Component("t2iadapter-canny-sd15v2", c, DIFFUSERS_WEIGHTS, T2IAdapter::parameterShapes);
    }

    /**
     * ZeroScope v2 576w's UNet3D ({@code cerspense/zeroscope_v2_576w/unet}, the ModelScope text-to-video
     * layout): SD 1.5's levels with temporal convolutions and temporal transformers, heads of 64 channels,
     * 1024-wide OpenCLIP text; 1.4G parameters.
     */
    public static Component zeroscopeUnet() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", "UNet3DConditionModel");
        c.put("act_fn", "silu");
        c.put("attention_head_dim", 64);
        c.put("block_out_channels", SD15_CHANNELS);
        c.put("cross_attention_dim", 1024);
        c.put("down_block_types", List.of("CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "CrossAttnDownBlock3D",
                "DownBlock3D"));
        c.put("downsample_padding", 1);
        c.put("in_channels", 4);
        c.put("layers_per_block", 2);
        c.put("mid_block_scale_factor", 1);
        c.put("norm_eps", 1e-5);
        c.put("norm_num_groups", 32);
        c.put("out_channels", 4);
        c.put("sample_size", 32);
        c.put("up_block_types", List.of("UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D",
                "CrossAttnUpBlock3D"));
        return new Component("zeroscope-v2-576w-unet", c, DIFFUSERS_WEIGHTS, UNet3DConditionModel::parameterShapes);
    }

    /** The keys SD 1.5's UNet and its ControlNets share. */
    private static Map<String, Object> unetDownAndMid(String className) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("_class_name", className);
        c.put("act_fn", "silu");
        c.put("attention_head_dim", 8);
        c.put("block_out_channels", SD15_CHANNELS);
        c.put("cross_attention_dim", 768);
        c.put("down_block_types", SD15_DOWN);
        c.put("downsample_padding", 1);
        c.put("flip_sin_to_cos", true);
        c.put("freq_shift", 0);
        c.put("in_channels", 4);
        c.put("layers_per_block", 2);
        c.put("mid_block_scale_factor", 1);
        c.put("norm_eps", 1e-5);
        c.put("norm_num_groups", 32);
        return c;
    }

    private static Map<String, Object> textConfig(int hidden, int intermediate, int layers, int heads, String act,
                                                  int projection) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("CLIPTextModel"));
        c.put("model_type", "clip_text_model");
        c.put("hidden_act", act);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_attention_heads", heads);
        c.put("num_hidden_layers", layers);
        c.put("max_position_embeddings", 77);
        c.put("layer_norm_eps", 1e-5);
        c.put("projection_dim", projection);
        c.put("vocab_size", 49408);
        c.put("bos_token_id", 0);
        c.put("eos_token_id", 2);
        c.put("pad_token_id", 1);
        return c;
    }
}
