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
import org.bivdiff.models.clip.ClipModel;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.dpt.DptConfig;
import org.bivdiff.models.dpt.DptForDepthEstimation;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel;

/**
 * Tiny random-weight models in the real diffusers layouts, for the demo and tests: a Stable
 * Diffusion 1.5-style pipeline folder, a ControlNet and a T2I-Adapter for it, a ZeroScope-style
 * text-to-video pipeline folder, and a CLIP for the metrics. Deterministic per
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
        Map<String, Object> unet = ModelConfigs.unet3d(UNET_CHANNELS, 8, TEXT_WIDTH, 1, 8, 32);
        component(folder.resolve("unet"), unet, seed + 1, UNet3DConditionModel::parameterShapes);
        component(folder.resolve("vae"), vaeConfig(), seed + 2, AutoencoderKL::parameterShapes);
        return folder;
    }

    /**
     * Writes a Stable Diffusion 2.1-base-style folder as VidRD is built on it: {@code unet/} (linear projections,
     * heads per level, 32-channel multiples as VidRD's temporal convolutions' 32-group norms need),
     * {@code text_encoder/} and {@code tokenizer/} (SD 2.x style: gelu, {@code !} padding), {@code vae/}.
     */
    public static Path stableDiffusion21Base(Path folder, long seed) throws IOException {
        Files.createDirectories(folder);
        textEncoder(folder, "!", "gelu", seed);
        Map<String, Object> unet = unetConfig();
        unet.put("attention_head_dim", List.of(2, 4, 4, 8));
        unet.put("use_linear_projection", true);
        component(folder.resolve("unet"), unet, seed + 1, UNet2DConditionModel::parameterShapes);
        component(folder.resolve("vae"), vaeConfig(), seed + 2, AutoencoderKL::parameterShapes);
        return folder;
    }

    /**
     * Writes an InstructPix2Pix pipeline folder: {@link #stableDiffusion}'s layout with an 8-channel UNet (latents
     * and the encoded source image).
     */
    public static Path instructPix2Pix(Path folder, long seed) throws IOException {
        return withUNetInputs(folder, 8, seed);
    }

    /** Writes a Stable Diffusion inpainting pipeline folder: a 9-channel UNet (latents, mask, masked image). */
    public static Path inpainting(Path folder, long seed) throws IOException {
        return withUNetInputs(folder, 9, seed);
    }

    private static Path withUNetInputs(Path folder, int inChannels, long seed) throws IOException {
        stableDiffusion(folder, seed);
        Map<String, Object> unet = unetConfig();
        unet.put("in_channels", inChannels);
        component(folder.resolve("unet"), unet, seed + 1, UNet2DConditionModel::parameterShapes);
        return folder;
    }

    /**
     * Writes a VidRD stand-in as BIVDiff's configs find it under their checkpoints folder:
     * {@code stable-diffusion-2-1-base/} ({@link #stableDiffusion21Base}, its UNet weights as the PyTorch
     * {@code diffusion_pytorch_model.bin} BIVDiff's README asks for) and {@code VidRD/ModelT2V.pth}, a PyTorch
     * Lightning checkpoint whose {@code state_dict} holds {@code text_encoder.*} and {@code unet.*} (the whole VidRD
     * UNet) weights of their own.
     *
     * @return the checkpoint file
     */
    public static Path vidrd(Path checkpoints, long seed) throws IOException {
        Path base = stableDiffusion21Base(checkpoints.resolve("stable-diffusion-2-1-base"), seed);
        Path unet = base.resolve("unet");
        RandomWeights.torch(UNet2DConditionModel.parameterShapes(unet), seed + 1)
                .write(unet.resolve("diffusion_pytorch_model.bin"));
        Files.delete(unet.resolve("diffusion_pytorch_model.safetensors"));
        Map<String, long[]> state = new LinkedHashMap<>();
        ClipTextModel.parameterShapes(base.resolve("text_encoder")).forEach((k, v) -> state.put("text_encoder." + k, v));
        VidRDUNet3DConditionModel.parameterShapes(unet, VidRDUNet3DConditionModel.Options.VIDRD)
                .forEach((k, v) -> state.put("unet." + k, v));
        Path checkpoint = Files.createDirectories(checkpoints.resolve("VidRD")).resolve("ModelT2V.pth");
        RandomWeights.torch(state, seed + 3).nestedUnder("state_dict", lightningEntries()).write(checkpoint);
        return checkpoint;
    }

    /** The entries PyTorch Lightning saves next to the {@code state_dict}. */
    public static Map<String, Object> lightningEntries() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", 3L);
        m.put("global_step", 100L);
        m.put("pytorch-lightning_version", "1.9.4");
        m.put("loops", null);
        m.put("hparams_name", "kwargs");
        m.put("hyper_parameters", Map.of("add_temp_embed", true, "add_temp_conv", true));
        return m;
    }

    /**
     * Writes a DPT-Hybrid depth model in transformers' layout ({@code config.json} and {@code model.safetensors}):
     * a 2-layer ViT of width 32 on a 3-stage BiT of widths 32, 64, 128.
     */
    public static Path dptHybrid(Path folder, long seed) throws IOException {
        component(folder, "model.safetensors", ModelConfigs.dptHybrid(), seed,
                f -> DptForDepthEstimation.parameterShapes(DptConfig.read(f)), DType.F32);
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
        Map<String, Object> c = ModelConfigs.t2iAdapter(UNET_CHANNELS, 2, 3, 1);
        component(folder, c, seed, T2IAdapter::parameterShapes);
        return folder;
    }

    /**
     * Writes a CLIPModel folder as the hub's {@code openai/clip-vit-large-patch14} is laid out: {@code config.json},
     * {@code model.safetensors}, {@code preprocessor_config.json} and the tokenizer files, for the CLIP metrics.
     * Text width 16, vision width 32 on 32 x 32 pixels in 8 x 8 patches, projection 24.
     */
    public static Path clip(Path folder, long seed) throws IOException {
        Files.createDirectories(folder);
        int vocab = ByteLevelTokenizerFiles.write(folder, "<|endoftext|>");
        Map<String, Object> text = ModelConfigs.clipText(16, 32, 2, 2, "quick_gelu", vocab, vocab - 2, vocab - 1, 0);
        Map<String, Object> c = ModelConfigs.clip(text, 32, 2, 4, 32, 8, 24);
        component(folder, "model.safetensors", c, seed, ClipModel::parameterShapes, DType.F32);
        JSON.writeValue(folder.resolve("preprocessor_config.json").toFile(), ModelConfigs.clipImageProcessor(32));
        return folder;
    }

    /** Writes {@code tokenizer/} and {@code text_encoder/} of a pipeline folder. */
    public static void textEncoder(Path pipeline, String padToken, String activation, long seed) throws IOException {
        int vocab = ByteLevelTokenizerFiles.write(pipeline.resolve("tokenizer"), padToken);
        Map<String, Object> c = ModelConfigs.clipText(TEXT_WIDTH, 4 * TEXT_WIDTH, 2, 4, activation, vocab, vocab - 2,
                vocab - 1, 0);
        component(pipeline.resolve("text_encoder"), "model.safetensors", c, seed, ClipTextModel::parameterShapes,
                DType.F32);
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
        return ModelConfigs.unet2d(UNET_CHANNELS, 4, TEXT_WIDTH, 1, 8, 32);
    }

    static Map<String, Object> vaeConfig() {
        return ModelConfigs.vae(List.of(32, 64), 1, 8, 64);
    }

    /** Writes {@code config.json} and random {@code diffusion_pytorch_model.safetensors} into {@code folder}. */
    public static void component(Path folder, Map<String, Object> config, long seed, ShapeSource shapes)
            throws IOException {
        component(folder, "diffusion_pytorch_model.safetensors", config, seed, shapes, DType.F32);
    }

    /** Writes {@code config.json} and random weights of {@code dtype} (F32 or F16) named {@code weightsFile}. */
    static void component(Path folder, String weightsFile, Map<String, Object> config, long seed, ShapeSource shapes,
                          DType dtype) throws IOException {
        Files.createDirectories(folder);
        JSON.writeValue(folder.resolve("config.json").toFile(), config);
        RandomWeights.write(folder.resolve(weightsFile), shapes.shapes(folder), seed, dtype);
    }

    /** An architecture's parameter list, read from the config in a folder. */
    @FunctionalInterface
    public interface ShapeSource {
        Map<String, long[]> shapes(Path folder) throws IOException;
    }
}
