package org.bivdiff.bivdiff;

import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.pipelines.DenoisingLoop;
import org.bivdiff.pipelines.Guidance;
import org.bivdiff.pipelines.Guidance.ConditionedModel;
import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.pipelines.PromptEmbeddings;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/**
 * Port of BIVDiff's models/video_smoothing.py::VideoSmoothingPipeline: the video UNet denoises the
 * mixed-inversion latents with classifier-free guidance over the scheduler's timesteps (the one
 * {@link DenoisingLoop}), then the VAE decodes every frame:
 * {@code video = (vae.decode(latents * decodeFactor per frame) / 2 + 0.5).clamp(0, 1)}.
 */
public final class TemporalSmoothing {

    private TemporalSmoothing() {
    }

    /**
     * The smoothing loop, for the caller to add noise, progress, cancellation or an observer to, then
     * run with {@link DenoisingLoop#run}.
     *
     * @param scheduler     DDIM (BIVDiff's scheduler) built for the run's steps
     * @param latents       (B, 4, F, h, w) the mixed-inversion result; the loop starts from them as they are
     *                      (DDIM's init_noise_sigma is 1)
     * @param videoUnet     the text-to-video UNet
     * @param embeddings    the video text encoder's prompt (and negative prompt) states
     * @param guidanceScale classifier-free guidance when > 1
     */
    public static DenoisingLoop.Request request(Scheduler scheduler, Tensor latents, ConditionedModel videoUnet,
                                                PromptEmbeddings embeddings, double guidanceScale) {
        return request(scheduler, latents, videoUnet, embeddings, guidanceScale, TemporalWindows.WHOLE_VIDEO);
    }

    /**
     * The smoothing loop with the guided video UNet run window by window ({@link TemporalWindows#wrap}): each
     * step predicts every window, guidance included, and blends the windows' predictions per frame.
     */
    public static DenoisingLoop.Request request(Scheduler scheduler, Tensor latents, ConditionedModel videoUnet,
                                                PromptEmbeddings embeddings, double guidanceScale,
                                                TemporalWindows windows) {
        return DenoisingLoop.Request.of(scheduler, latents, windows.wrap(predictor(videoUnet, embeddings,
                guidanceScale))).withEvents("temporal smoothing", RunEvents.NONE);
    }

    /**
     * The video model's guided noise predictor: the text-to-video UNet with classifier-free guidance on the
     * video prompt, (B, 4, F, h, w) latents to eps of the same shape. The smoothing denoises with it, and so
     * do the baselines of {@link JointDenoising}.
     */
    public static NoisePredictor predictor(ConditionedModel videoUnet, PromptEmbeddings embeddings,
                                           double guidanceScale) {
        return Guidance.classifierFree(videoUnet, embeddings, guidanceScale);
    }

    /**
     * Decodes video latents frame by frame, as BIVDiff's {@code decode_latents}.
     *
     * @param latents (B, 4, F, h, w)
     * @return (B, 3, F, H, W) in [0, 1]
     */
    public static Tensor decode(AutoencoderKL vae, Tensor latents, LatentScaling scaling) {
        int frames = latents.dim(2);
        Tensor z = VideoLatents.toFrames(VideoLatents.scale(latents, scaling.decodeFactor(vae)));   // (B*F, 4, h, w)
        Tensor decoded = vae.decode(z);                                                         // (B*F, 3, H, W)
        float[] d = decoded.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = Math.clamp(d[i] / 2f + 0.5f, 0f, 1f);
        }
        return VideoLatents.toVideo(new Tensor(decoded.shape(), out), frames);
    }
}
