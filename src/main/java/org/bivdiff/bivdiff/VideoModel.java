package org.bivdiff.bivdiff;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

import org.bivdiff.graph.Engine;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.models.VideoUNet;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.bivdiff.models.vidrd.VidRDModel;
import org.bivdiff.models.vidrd.VidRDUNet3DConditionModel;

/**
 * The video diffusion model (VDM) BIVDiff bridges with the image model: the UNet of mixed inversion and temporal
 * smoothing, with its own text encoder and tokenizer. BIVDiff's inference.py takes ZeroScope or VidRD.
 */
public sealed interface VideoModel {

    /**
     * The video model of a run config: the diffusers pipeline {@code folder} (ZeroScope), or, when
     * {@code vidrdCheckpoint} is given, VidRD from that checkpoint over {@code folder}, the Stable Diffusion
     * 2.1-base folder it was fine-tuned from, as BIVDiff's configs build it.
     */
    static VideoModel of(Path folder, Path vidrdCheckpoint) {
        return vidrdCheckpoint == null ? Diffusers.ofPipeline(folder)
                : new VidRD(VidRDModel.fromPretrained(folder, vidrdCheckpoint, VidRDUNet3DConditionModel.Options.VIDRD));
    }

    /** Loads the text-to-video UNet; the caller closes it. */
    VideoUNet loadUnet(Engine engine) throws IOException;

    /** Loads the text encoder of the video prompt; the caller closes it. */
    ClipTextModel loadTextEncoder(Engine engine) throws IOException;

    /** The CLIP tokenizer folder of the video prompt. */
    Path tokenizer();

    /** Opens the UNet's weights (for sizes and shapes; nothing is loaded); the caller closes them. */
    Checkpoint openUnetWeights() throws IOException;

    /** Where the UNet comes from, for messages. */
    String describeUnet();

    /**
     * A diffusers text-to-video model (ZeroScope, ModelScope): a UNet3DConditionModel folder, a CLIP text encoder
     * folder and its tokenizer folder.
     */
    record Diffusers(Path unet, Path textEncoder, Path tokenizer) implements VideoModel {

        public Diffusers {
            Objects.requireNonNull(unet, "unet");
            Objects.requireNonNull(textEncoder, "textEncoder");
            Objects.requireNonNull(tokenizer, "tokenizer");
        }

        /** The components of a diffusers pipeline folder: {@code unet/}, {@code text_encoder/}, {@code tokenizer/}. */
        public static Diffusers ofPipeline(Path folder) {
            return new Diffusers(folder.resolve("unet"), folder.resolve("text_encoder"), folder.resolve("tokenizer"));
        }

        @Override
        public VideoUNet loadUnet(Engine engine) throws IOException {
            return UNet3DConditionModel.load(unet, engine);
        }

        @Override
        public Checkpoint openUnetWeights() throws IOException {
            return Checkpoint.open(unet);
        }

        @Override
        public String describeUnet() {
            return unet.toString();
        }

        @Override
        public ClipTextModel loadTextEncoder(Engine engine) throws IOException {
            return ClipTextModel.load(textEncoder, engine);
        }
    }

    /** VidRD: its Lightning checkpoint over the Stable Diffusion 2.1-base folders it was fine-tuned from. */
    record VidRD(VidRDModel model) implements VideoModel {

        public VidRD {
            Objects.requireNonNull(model, "model");
        }

        @Override
        public VideoUNet loadUnet(Engine engine) throws IOException {
            return model.loadUnet(engine);
        }

        @Override
        public Checkpoint openUnetWeights() throws IOException {
            return Checkpoint.openFile(model.checkpoint()).withPrefix("unet");
        }

        @Override
        public String describeUnet() {
            return model.checkpoint() + " over " + model.unet();
        }

        @Override
        public ClipTextModel loadTextEncoder(Engine engine) throws IOException {
            return model.loadTextEncoder(engine);
        }

        @Override
        public Path tokenizer() {
            return model.tokenizer();
        }
    }
}
