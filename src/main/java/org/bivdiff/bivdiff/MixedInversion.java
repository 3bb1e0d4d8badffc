package org.bivdiff.bivdiff;

import java.util.Arrays;
import java.util.Collections;
import java.util.Optional;

import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.models.vae.LatentDistribution;
import org.bivdiff.pipelines.DenoisingLoop;
import org.bivdiff.pipelines.Guidance.ConditionedModel;
import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.pipelines.PromptEmbeddings;
import org.bivdiff.schedulers.DdimInversion;
import org.bivdiff.tensor.Tensor;

/**
 * Port of BIVDiff's models/mixed_inversion.py::MixedInversionPipeline: the latents of the frames are
 * DDIM-inverted twice, once with the image model (SD run on every frame) and once with the video
 * model, each branch starting from the same latents, and the results are mixed:
 * <pre>
 *   for e in timesteps ascending:  z_img = step(image_unet(z_img, e, emb_img), e, z_img)
 *                                  z_vid = step(video_unet(z_vid, e, emb_vid), e, z_vid)
 *   z = r * z_img + (1 - r) * z_vid
 * </pre>
 * Each UNet is conditioned on its own text encoder's state number 0 of {@code [negative; positive]}
 * (see {@link #inversionEmbedding}); no guidance is applied. A branch whose weight is 0 is not run:
 * r * z + 0 * z' equals r * z exactly for finite latents, so the result is the reference's.
 *
 * <p>The branches take their networks as {@link ConditionedModel}s, so the caller decides what is
 * resident: {@link #invert} runs one branch, for loading the image and video UNets one after the other.
 */
public final class MixedInversion {

    /**
     * One inversion branch.
     *
     * @param model     the UNet: (B, 4, F, h, w) latents at a timestep to eps
     * @param embedding (1 or B, L, D) the text states it sees
     */
    public record Branch(ConditionedModel model, Tensor embedding) {
    }

    /**
     * @param mixed       (B, 4, F, h, w) r * image branch + (1 - r) * video branch
     * @param imageBranch the image model's inverted latents, when r > 0
     * @param videoBranch the video model's inverted latents, when r < 1
     */
    public record Result(Tensor mixed, Optional<Tensor> imageBranch, Optional<Tensor> videoBranch) {
    }

    private MixedInversion() {
    }

    /**
     * Encodes frames to the inversion's start latents, as inference.py does:
     * {@code vae.encode(frames).latent_dist.sample()}, {@code '(b f) c h w -> b c f h w'}, times the scale.
     *
     * @param frames         (B*F, 3, H, W) in [-1, 1], the frames of each video consecutive
     * @param noise          (B*F, 4, h, w) the standard normal draw of {@code sample()}
     * @param framesPerVideo F
     * @return the posterior (per frame) and the latents (B, 4, F, h, w)
     */
    public static Encoded encodeFrames(AutoencoderKL vae, Tensor frames, Tensor noise, int framesPerVideo,
                                       LatentScaling scaling) {
        if (frames.rank() != 4 || frames.dim(0) % framesPerVideo != 0) {
            throw new IllegalArgumentException("frames must be (B*F, 3, H, W) with F = " + framesPerVideo + ", got "
                    + Arrays.toString(frames.shape()));
        }
        LatentDistribution posterior = vae.encode(frames);
        Tensor video = VideoLatents.toVideo(posterior.sample(noise), framesPerVideo);
        return new Encoded(posterior, VideoLatents.scale(video, scaling.encodeFactor(vae)));
    }

    /**
     * @param posterior per frame: mean and std (B*F, 4, h, w)
     * @param latents   (B, 4, F, h, w), scaled
     */
    public record Encoded(LatentDistribution posterior, Tensor latents) {
    }

    /**
     * What a UNet sees during BIVDiff's inversion: {@code prompt_embeds[0]}, the first state of the
     * text encoding. With classifier-free guidance ({@code guidance_scale > 1}) that is the negative
     * prompt's (or {@code ""}'s) state; without, the prompt's own (reference behaviour, kept).
     *
     * @return (1, L, D)
     */
    public static Tensor inversionEmbedding(PromptEmbeddings embeddings) {
        Tensor states = embeddings.negativePromptEmbeds().orElse(embeddings.promptEmbeds());
        return states.slice0(0, 1);
    }

    /**
     * Runs both branches as needed and mixes them.
     *
     * @param latents     (B, 4, F, h, w) the encoded frames
     * @param mixingRatio r, the image model's weight
     */
    public static Result run(Tensor latents, MixingRatio mixingRatio, DdimInversion inversion, Branch image,
                             Branch video) {
        Optional<Tensor> zImage = mixingRatio.usesImage() ? Optional.of(invert(latents, image, inversion))
                : Optional.empty();
        Optional<Tensor> zVideo = mixingRatio.usesVideo() ? Optional.of(invert(latents, video, inversion))
                : Optional.empty();
        return new Result(mix(zImage, zVideo, mixingRatio), zImage, zVideo);
    }

    /**
     * One branch: DDIM inversion of {@code latents} with {@code branch.model()} conditioned on
     * {@code branch.embedding()} (repeated over the batch).
     *
     * @param latents (B, 4, F, h, w); not modified
     * @return (B, 4, F, h, w) the latents at the inversion's last noise level
     */
    public static Tensor invert(Tensor latents, Branch branch, DdimInversion inversion) {
        return DenoisingLoop.invert(inversion, latents, predictor(branch, latents.dim(0)));
    }

    /**
     * What a branch's inversion steps with: its UNet conditioned on its embedding, repeated for {@code videos}
     * videos; (B, 4, F, h, w) latents at a timestep to eps of the same shape.
     */
    public static NoisePredictor predictor(Branch branch, int videos) {
        Tensor states = perVideo(branch.embedding(), videos);
        return (x, t) -> branch.model().predict(x, t, states);
    }

    /**
     * r * zImage + (1 - r) * zVideo in float32, as torch computes it; a missing branch must have weight 0.
     */
    public static Tensor mix(Optional<Tensor> zImage, Optional<Tensor> zVideo, MixingRatio ratio) {
        double mixingRatio = ratio.value();
        if (zVideo.isEmpty() || zImage.isEmpty()) {
            Tensor only = zImage.or(() -> zVideo).orElseThrow(() -> new IllegalArgumentException("no branch to mix"));
            boolean weightOne = zImage.isPresent() ? mixingRatio == 1 : mixingRatio == 0;
            if (!weightOne) {
                throw new IllegalArgumentException("mixing ratio " + mixingRatio + " needs both branches");
            }
            return only;
        }
        float[] a = zImage.get().data();
        float[] b = zVideo.get().data();
        if (!Arrays.equals(zImage.get().shape(), zVideo.get().shape())) {
            throw new IllegalArgumentException("branches differ in shape: " + zImage.get() + " vs " + zVideo.get());
        }
        float r = (float) mixingRatio;
        float q = (float) (1 - mixingRatio);
        float[] out = new float[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = r * a[i] + q * b[i];
        }
        return new Tensor(zImage.get().shape(), out);
    }

    /** (1 or B, L, D) -> (B, L, D). */
    private static Tensor perVideo(Tensor embedding, int batch) {
        int n = embedding.dim(0);
        if (n == batch) {
            return embedding;
        }
        if (n != 1) {
            throw new IllegalArgumentException("inversion embedding must have batch 1 or " + batch + ", got " + embedding);
        }
        return Tensor.concat0(Collections.nCopies(batch, embedding));
    }
}
