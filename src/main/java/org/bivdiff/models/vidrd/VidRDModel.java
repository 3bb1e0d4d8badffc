package org.bivdiff.models.vidrd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.bivdiff.graph.Engine;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.models.WeightsException;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.vae.AutoencoderKL;

/**
 * VidRD as BIVDiff's configs name it (section {@code VDM.VidRD}: {@code pretrained_model_path},
 * {@code ckpt_path}, {@code add_temp_embed}, {@code add_temp_conv}), loaded as {@code SDVideoModel.setup}
 * (models/ReuseAndDiffuse/model/model.py) loads it for inference.py, which uses its UNet, text encoder and
 * tokenizer. The checkpoint is a PyTorch Lightning file whose {@code state_dict} holds one module per key prefix;
 * {@code setup} loads each present module strictly over the one it built from {@code pretrained_model_path}:
 * <ul>
 * <li>{@code unet.*}: the whole UNet ({@link VidRDUNet3DConditionModel}), required here;</li>
 * <li>{@code text_encoder.*}: the CLIP text encoder over {@code text_encoder/config.json}; without such keys the
 *     folder's own weights;</li>
 * <li>{@code vae.*}: a VAE that BIVDiff never uses (it decodes with Stable Diffusion 1.5's); checked strictly
 *     against {@code vae/config.json}, then dropped.</li>
 * </ul>
 * Keys of any other module, which {@code setup} would silently ignore, are refused, so that every key of the
 * file is accounted for. {@code setup} also loads a scheduler, the VAE and a CLIP model from the folder that
 * inference.py never uses; they are not needed here.
 *
 * @param unet        the 2D UNet folder ({@code pretrained_model_path/unet}): its config, and its weights checked
 *                    as {@code from_pretrained_2d} loads them
 * @param textEncoder the text encoder folder: its config, and its weights when the checkpoint has none
 * @param tokenizer   the CLIP tokenizer folder
 * @param vae         the VAE folder whose config checks {@code vae.*} keys, or null
 * @param checkpoint  the Lightning checkpoint ({@code ModelT2V.pth})
 * @param options     the temporal layers {@code from_pretrained_2d} adds
 */
public record VidRDModel(Path unet, Path textEncoder, Path tokenizer, Path vae, Path checkpoint,
                         VidRDUNet3DConditionModel.Options options) {

    /** The modules {@code SDVideoModel.setup} loads from the checkpoint. */
    public static final List<String> MODULES = List.of("unet", "text_encoder", "vae");

    public VidRDModel {
        Objects.requireNonNull(unet, "unet");
        Objects.requireNonNull(textEncoder, "textEncoder");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(options, "options");
    }

    /**
     * VidRD over a Stable Diffusion 2.1-base folder as BIVDiff's configs lay it out ({@code unet/},
     * {@code text_encoder/}, {@code tokenizer/}, {@code vae/}).
     */
    public static VidRDModel fromPretrained(Path pretrainedModelPath, Path checkpoint,
                                            VidRDUNet3DConditionModel.Options options) {
        return new VidRDModel(pretrainedModelPath.resolve("unet"), pretrainedModelPath.resolve("text_encoder"),
                pretrainedModelPath.resolve("tokenizer"), pretrainedModelPath.resolve("vae"), checkpoint, options);
    }

    /** The UNet, every {@code unet.*} weight of the checkpoint used. */
    public VidRDUNet3DConditionModel loadUnet(Engine engine) throws IOException {
        try (Checkpoint all = openChecked()) {
            Checkpoint weights = all.withPrefix("unet");
            if (weights.names().isEmpty()) {
                throw new WeightsException(checkpoint + ": no unet.* weights; VidRD's checkpoint holds its whole UNet");
            }
            return VidRDUNet3DConditionModel.load(unet, weights, options, engine);
        }
    }

    /** The text encoder: the checkpoint's {@code text_encoder.*} weights, or the folder's when it has none. */
    public ClipTextModel loadTextEncoder(Engine engine) throws IOException {
        try (Checkpoint all = openChecked()) {
            Checkpoint weights = all.withPrefix("text_encoder");
            return weights.names().isEmpty() ? ClipTextModel.load(textEncoder, engine)
                    : ClipTextModel.load(textEncoder, weights, engine);
        }
    }

    /** Opens the checkpoint and checks its modules; {@code vae.*} weights are checked against {@link #vae}. */
    private Checkpoint openChecked() throws IOException {
        Checkpoint all = Checkpoint.openFile(checkpoint);
        try {
            Map<String, Integer> others = new TreeMap<>();
            for (String k : all.names()) {
                int dot = k.indexOf('.');
                String module = dot < 0 ? k : k.substring(0, dot);
                if (!MODULES.contains(module)) {
                    others.merge(module, 1, Integer::sum);
                }
            }
            if (!others.isEmpty()) {
                throw new WeightsException(checkpoint + ": weights outside the modules SDVideoModel.setup loads "
                        + MODULES + ": " + others + " (module: number of keys)");
            }
            Checkpoint vaeWeights = all.withPrefix("vae");
            if (!vaeWeights.names().isEmpty()) {
                if (vae == null) {
                    throw new WeightsException(checkpoint + ": has vae.* weights but no VAE config to check them against");
                }
                AutoencoderKL.load(vae, vaeWeights, Engine.cpu()).close();
            }
            return all;
        } catch (IOException | RuntimeException e) {
            all.close();
            throw e;
        }
    }
}
