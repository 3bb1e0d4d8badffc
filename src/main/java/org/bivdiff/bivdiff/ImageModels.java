package org.bivdiff.bivdiff;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The folders an image-model task loads (any may be a folder of the Hugging Face cache, located beforehand).
 *
 * @param pipeline a Stable Diffusion pipeline folder: tokenizer, text encoder, UNet, VAE, scheduler
 * @param unet     a UNet folder used in place of the pipeline's (InstructPix2Pix's 8-channel or the inpainting
 *                 9-channel UNet), or null
 * @param network  the task's extra network: a ControlNet or T2I-Adapter folder, or null
 */
public record ImageModels(Path pipeline, Path unet, Path network) {

    public ImageModels {
        Objects.requireNonNull(pipeline, "pipeline");
    }

    /** A pipeline folder alone. */
    public static ImageModels pipeline(Path folder) {
        return new ImageModels(folder, null, null);
    }

    /** A pipeline folder with its task's ControlNet or T2I-Adapter. */
    public static ImageModels withNetwork(Path pipeline, Path network) {
        return new ImageModels(pipeline, null, network);
    }

    /** What these models keep resident while they make frames, for a run's memory estimate. */
    FrameGenerator.Footprint footprint() {
        return new FrameGenerator.Footprint(pipeline, unet, network);
    }
}
