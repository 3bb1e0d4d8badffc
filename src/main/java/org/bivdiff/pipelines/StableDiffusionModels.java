package org.bivdiff.pipelines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.bivdiff.graph.Engine;
import org.bivdiff.io.DiffusersFolder;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.unet2d.UNet2DConditionModel;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.schedulers.SchedulerConfig;

/**
 * The components of a Stable Diffusion pipeline folder the image pipelines share: tokenizer, text encoder, UNet
 * (possibly replaced by an InstructPix2Pix or inpainting UNet of the same family), VAE, and the folder's
 * scheduler config. Closing closes the networks.
 *
 * @param scheduler the pipeline's {@code scheduler/scheduler_config.json}, for the class it names
 */
public record StableDiffusionModels(ClipTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet,
                                    AutoencoderKL vae, SchedulerConfig scheduler) implements AutoCloseable {

    private static final String SCHEDULER_CONFIG = "scheduler_config.json";

    /** The scheduler config file of the pipeline folder {@code root}, to load into another scheduler class. */
    public static Path schedulerConfigFile(Path root) throws IOException {
        Path folder = Files.isRegularFile(root.resolve("model_index.json"))
                ? DiffusersFolder.open(root).require("scheduler") : root.resolve("scheduler");
        return folder.resolve(SCHEDULER_CONFIG);
    }

    /** Loads every component of the pipeline folder {@code root} (a {@code model_index.json} layout). */
    public static StableDiffusionModels load(Path root, Engine engine) throws IOException {
        return load(root, null, engine);
    }

    /**
     * Loads the pipeline folder {@code root}, with the UNet of {@code unetFolder} instead of its own when not
     * null (BIVDiff's InstructPix2Pix and inpainting UNets on SD 1.5's text encoder and VAE).
     */
    public static StableDiffusionModels load(Path root, Path unetFolder, Engine engine) throws IOException {
        Path tokenizer;
        Path textEncoder;
        Path unet;
        Path vae;
        Path scheduler;
        if (Files.isRegularFile(root.resolve("model_index.json"))) {
            DiffusersFolder f = DiffusersFolder.open(root);
            tokenizer = f.require("tokenizer");
            textEncoder = f.require("text_encoder");
            vae = f.require("vae");
            scheduler = f.require("scheduler");
            unet = unetFolder != null ? unetFolder : f.require("unet");
        } else {
            tokenizer = root.resolve("tokenizer");
            textEncoder = root.resolve("text_encoder");
            vae = root.resolve("vae");
            scheduler = root.resolve("scheduler");
            unet = unetFolder != null ? unetFolder : root.resolve("unet");
        }
        SchedulerConfig schedulerConfig = SchedulerConfig.read(scheduler.resolve(SCHEDULER_CONFIG));
        ClipTokenizer tok = ClipTokenizer.load(tokenizer);
        ClipTextModel te = ClipTextModel.load(textEncoder, engine);
        UNet2DConditionModel u = null;
        try {
            u = UNet2DConditionModel.load(unet, engine);
            return new StableDiffusionModels(tok, te, u, AutoencoderKL.loadPerImage(vae, engine), schedulerConfig);
        } catch (IOException | RuntimeException e) {
            te.close();
            if (u != null) {
                u.close();
            }
            throw e;
        }
    }

    /** The prompt encoder over this tokenizer and text encoder. */
    public PromptEncoder promptEncoder() {
        return new PromptEncoder(tokenizer, textEncoder);
    }

    /** Pixels per latent along each side. */
    public int vaeScaleFactor() {
        return vae.config().scaleFactor();
    }

    /** Channels of the latents the VAE makes (4 for SD). */
    public int latentChannels() {
        return vae.config().latentChannels();
    }

    @Override
    public void close() throws IOException {
        try {
            textEncoder.close();
            unet.close();
        } finally {
            vae.close();
        }
    }
}
