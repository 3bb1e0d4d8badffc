package org.bivdiff.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.bivdiff.models.clip.ByteLevelTokenizerFiles;
import org.bivdiff.models.random.FullSizeModels;
import org.bivdiff.models.random.TinyModels;

/**
 * The full-size random-weight model folders of a BIVDiff run, in the layouts {@code bivdiff run} reads:
 * an SD 1.5 pipeline folder, ControlNet v1.1 canny, and a ZeroScope v2 576w pipeline folder. The
 * pipeline folders hold their own {@code model_index.json}, DDIM scheduler config and a byte-level
 * tokenizer ({@link ByteLevelTokenizerFiles}: its 514 ids stay below CLIP's 49,408, so the full-size
 * text encoders take them); their networks are relative symbolic links to the cached components, so
 * no weight is written twice.
 *
 * @param stableDiffusion SD 1.5 pipeline folder (CLIP ViT-L/14, UNet, VAE)
 * @param controlNet      ControlNet v1.1 canny folder
 * @param video           ZeroScope pipeline folder (OpenCLIP ViT-H/14, UNet3D, SD's VAE)
 */
public record PipelineFolders(Path stableDiffusion, Path controlNet, Path video) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Bump when the folders' own files change. */
    private static final String LAYOUT = "pipeline folders v1";

    /** The folders, writing each missing component into {@code c}'s cache first. */
    public static PipelineFolders prepare(Presets.Context c) throws IOException {
        Path clip = c.folder(FullSizeModels.clipVitL());
        Path unet = c.folder(FullSizeModels.sd15Unet());
        Path vae = c.folder(FullSizeModels.sd15Vae());
        Path controlNet = c.folder(FullSizeModels.controlNetCanny());
        Path openClip = c.folder(FullSizeModels.openClipVitH());
        Path unet3d = c.folder(FullSizeModels.zeroscopeUnet());
        Path sd = c.cache().folder("sd15-pipeline", LAYOUT, f -> pipeline(f, "StableDiffusionPipeline",
                "UNet2DConditionModel", "<|endoftext|>", clip, unet, vae), c.log());
        Path video = c.cache().folder("zeroscope-v2-576w-pipeline", LAYOUT, f -> pipeline(f, "TextToVideoSDPipeline",
                "UNet3DConditionModel", "!", openClip, unet3d, vae), c.log());
        return new PipelineFolders(sd, controlNet, video);
    }

    /** The tiny test models in the same roles (TinyModels), written into {@code c}'s cache first. */
    public static PipelineFolders tiny(Presets.Context c) throws IOException {
        Path video = c.cache().folder("tiny/video", "seed " + Presets.SEED, f -> TinyModels.videoModel(f, Presets.SEED),
                c.log());
        return new PipelineFolders(Presets.tinyStableDiffusion(c), Presets.tinyControlNet(c), video);
    }

    /** Writes a diffusers pipeline folder whose networks link to {@code textEncoder}, {@code unet} and {@code vae}. */
    private static void pipeline(Path folder, String pipelineClass, String unetClass, String padToken, Path textEncoder,
                                 Path unet, Path vae) throws IOException {
        Files.createDirectories(folder);
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("_class_name", pipelineClass);
        index.put("scheduler", List.of("diffusers", "DDIMScheduler"));
        index.put("text_encoder", List.of("transformers", "CLIPTextModel"));
        index.put("tokenizer", List.of("transformers", "CLIPTokenizer"));
        index.put("unet", List.of("diffusers", unetClass));
        index.put("vae", List.of("diffusers", "AutoencoderKL"));
        JSON.writeValue(folder.resolve("model_index.json").toFile(), index);
        TinyModels.scheduler(folder.resolve("scheduler"));
        ByteLevelTokenizerFiles.write(folder.resolve("tokenizer"), padToken);
        // Relative links: the folder is written under a temporary name next to its final one.
        link(folder, "text_encoder", textEncoder);
        link(folder, "unet", unet);
        link(folder, "vae", vae);
    }

    private static void link(Path folder, String name, Path target) throws IOException {
        Files.createSymbolicLink(folder.resolve(name), Path.of("..").resolve(target.getFileName()));
    }
}
