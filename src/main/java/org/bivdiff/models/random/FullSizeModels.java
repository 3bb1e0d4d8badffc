package org.bivdiff.models.random;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

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

    /** A model folder: its config, the weights file name its loader reads, and its parameter list. */
    public record Component(String name, Map<String, Object> config, String weightsFile,
                            TinyModels.ShapeSource shapes) {

        /**
         * Writes {@code config.json} and random weights (deterministic per seed) into {@code folder}: F32, F16
         * as the diffusers {@code fp16} variant file ({@code <base>.fp16.safetensors}), or an F32 PyTorch pickle.
         */
        public void write(Path folder, long seed, WeightsFormat format) throws IOException {
            TinyModels.component(folder, format.fileName(weightsFile), config, seed, shapes, format.dtype());
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
        return new Component("sd15-unet", ModelConfigs.unet2d(SD15_CHANNELS, 8, 768, 2, 32, 64), DIFFUSERS_WEIGHTS,
                UNet2DConditionModel::parameterShapes);
    }

    /** SD 1.5's VAE: 84M parameters, latents 8x smaller than the image. */
    public static Component sd15Vae() {
        return new Component("sd15-vae", ModelConfigs.vae(List.of(128, 256, 512, 512), 2, 32, 512), DIFFUSERS_WEIGHTS,
                AutoencoderKL::parameterShapes);
    }

    /** SD 1.5's text encoder, CLIP ViT-L/14: 123M parameters. */
    public static Component clipVitL() {
        return new Component("clip-vit-l14", ModelConfigs.clipText(768, 3072, 12, 12, "quick_gelu", 49408, 0, 2, 768), TRANSFORMERS_WEIGHTS,
                ClipTextModel::parameterShapes);
    }

    /** ZeroScope v2's text encoder, OpenCLIP ViT-H/14's text tower: 340M parameters. */
    public static Component openClipVitH() {
        return new Component("openclip-vit-h14", ModelConfigs.clipText(1024, 4096, 23, 16, "gelu", 49408, 0, 2, 1024), TRANSFORMERS_WEIGHTS,
                ClipTextModel::parameterShapes);
    }

    /** ControlNet v1.1 (canny) for SD 1.5: 361M parameters; the conditioning image is 8x the latents. */
    public static Component controlNetCanny() {
        Map<String, Object> c = ModelConfigs.unetDownAndMid("ControlNetModel", SD15_CHANNELS, 8, 768, 2, 32);
        c.put("conditioning_embedding_out_channels", List.of(16, 32, 96, 256));
        c.put("controlnet_conditioning_channel_order", "rgb");
        c.put("global_pool_conditions", false);
        c.put("upcast_attention", false);
        c.put("use_linear_projection", false);
        return new Component("controlnet-v11p-canny", c, DIFFUSERS_WEIGHTS, ControlNetModel::parameterShapes);
    }

    /** The full T2I-Adapter (canny, SD 1.5, v2): 77M parameters, one-channel input. */
    public static Component t2iAdapterCanny() {
        return new Component("t2iadapter-canny-sd15v2", ModelConfigs.t2iAdapter(SD15_CHANNELS, 8, 1, 2),
                DIFFUSERS_WEIGHTS, T2IAdapter::parameterShapes);
    }

    /**
     * ZeroScope v2 576w's UNet3D ({@code cerspense/zeroscope_v2_576w/unet}, the ModelScope text-to-video
     * layout): SD 1.5's levels with temporal convolutions and temporal transformers, heads of 64 channels,
     * 1024-wide OpenCLIP text; 1.4G parameters.
     */
    public static Component zeroscopeUnet() {
        return new Component("zeroscope-v2-576w-unet", ModelConfigs.unet3d(SD15_CHANNELS, 64, 1024, 2, 32, 32),
                DIFFUSERS_WEIGHTS, UNet3DConditionModel::parameterShapes);
    }
}
