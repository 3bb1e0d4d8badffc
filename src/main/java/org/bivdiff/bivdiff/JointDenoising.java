package org.bivdiff.bivdiff;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

import org.bivdiff.graph.Engine;
import org.bivdiff.io.Spellings;
import org.bivdiff.models.VideoUNet;
import org.bivdiff.pipelines.DenoisingLoop;
import org.bivdiff.pipelines.Guidance;
import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.pipelines.PromptEmbeddings;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.schedulers.DdimScheduler;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.tensor.Tensor;

/**
 * The two baselines of the BIVDiff paper's ablation that bridge the image model (IDM) and the video model
 * (VDM) inside one denoising loop; they are not BIVDiff, which runs the models one after the other. One
 * DDIM loop ({@link DenoisingLoop}, on the SD 1.5 scheduler config the sequential scheme shares) denoises
 * video latents (1, 4, F, h, w) from seeded Gaussian noise with, at step i:
 * <ul>
 * <li>{@link Strategy#ALTERNATE}: eps = eps_IDM at even i (the first step included), eps_VDM at odd i;</li>
 * <li>{@link Strategy#FUSE}: eps = a eps_IDM + (1 - a) eps_VDM, a = the run's mixing ratio (a model whose
 *     weight is 0 is not run, so a = 1 is the IDM's loop and a = 0 the VDM's, bit for bit).</li>
 * </ul>
 * eps_IDM is the task's guided image-model predictor ({@link FrameGenerator#predictor}: its own prompt
 * embeddings, conditions and guidance) applied frame-wise, (1, 4, F, h, w) -> (F, 4, h, w) and back;
 * eps_VDM is the text-to-video UNet with classifier-free guidance on the video prompt
 * ({@link TemporalSmoothing#predictor}), run window by window when the options have {@link TemporalWindows}.
 * The VAE decodes the result as the smoothing does.
 *
 * <p>Memory: unlike the sequential scheme, which holds one UNet at a time, both models are resident during
 * the loop: the image model's pipeline (text encoder, UNet, VAE, and its ControlNet or adapter) and the
 * video UNet. FUSE with a = 0 or a = 1 loads only the model it uses.
 */
public final class JointDenoising {

    private final InversionAndSmoothing.Models models;
    private final InversionAndSmoothing videoSide;
    private final Engine engine;

    public JointDenoising(InversionAndSmoothing.Models models, Engine engine) {
        this.models = Objects.requireNonNull(models, "models");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.videoSide = new InversionAndSmoothing(models, engine);
    }

    /**
     * One baseline run.
     *
     * @param strategy      ALTERNATE or FUSE
     * @param generator     the image model
     * @param inputs        its inputs (source frames with conditions or masks)
     * @param imageSettings how the image model predicts (its prompt, guidance, noise)
     * @param video         the video model's side: prompt, negative prompt, steps, guidance, mixing ratio, eta,
     *                      options, events
     * @param start         (1, 4, F, h, w) x_T (DDIM's init_noise_sigma is 1)
     */
    public record Request(Strategy strategy, FrameGenerator generator, FrameGenerator.Inputs inputs,
                          FrameGenerator.Settings imageSettings, InversionAndSmoothing.Request video, Tensor start) {

        public Request {
            Objects.requireNonNull(generator, "generator");
            Objects.requireNonNull(video, "video");
            Objects.requireNonNull(start, "start");
            if (strategy != Strategy.ALTERNATE && strategy != Strategy.FUSE) {
                throw new IllegalArgumentException("joint denoising runs ALTERNATE or FUSE, not " + strategy);
            }
        }
    }

    /**
     * One baseline run.
     *
     * @return (1, 3, F, H, W) in [0, 1]
     */
    public Tensor run(Request r) throws IOException {
        InversionAndSmoothing.Request video = r.video();
        MixingRatio a = video.mixingRatio();
        boolean alternate = r.strategy() == Strategy.ALTERNATE;
        boolean useImage = alternate || a.usesImage();
        boolean useVideo = alternate || a.usesVideo();
        // 1. The DDIM scheduler both models share
        DdimScheduler scheduler = DdimScheduler.create(SchedulerConfig.read(models.scheduler()),
                video.numInferenceSteps(), video.eta());
        // 2. Encode the video prompt with the video model's text encoder
        PromptEmbeddings videoEmbeddings = useVideo ? videoSide.encodeVideoPrompt(video) : null;
        // 3. Load both models (both stay resident) and run the one loop
        Tensor latents;
        try (FrameGenerator.Predictor idm = useImage
                ? r.generator().predictor(r.inputs(), r.imageSettings(), scheduler) : null;
             VideoUNet unet = useVideo ? models.requireVideo().loadUnet(engine) : null) {
            NoisePredictor image = idm == null ? null : frameWise(idm.model());
            NoisePredictor vdm = unet == null ? null : video.options().windows().wrap(
                    TemporalSmoothing.predictor(unet::forward, videoEmbeddings, video.guidanceScale()));
            NoisePredictor model = alternate ? alternate(image, vdm, scheduler.timesteps()) : fuse(image, vdm, a);
            RunEvents events = video.events();
            latents = DenoisingLoop.run(DenoisingLoop.Request.of(scheduler, r.start(), model)
                    .withNoise(video.smoothingNoise()).withEvents(Spellings.lower(r.strategy()), events));
        }
        // 4. Decode every frame
        return videoSide.decode(latents, video.options().scaling());
    }

    /**
     * ALTERNATE's predictor: {@code image} at the even steps of the loop over {@code timesteps}, {@code video}
     * at the odd ones. Both see (B, 4, F, h, w) latents.
     */
    public static NoisePredictor alternate(NoisePredictor image, NoisePredictor video, double[] timesteps) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(video, "video");
        double[] ts = timesteps.clone();
        return new WithLatents() {
            @Override
            public Tensor predict(Tensor scaled, Tensor sample, double t) {
                return (Guidance.stepIndex(ts, t) % 2 == 0 ? image : video).predict(scaled, sample, t);
            }
        };
    }

    /**
     * FUSE's predictor: {@code a * image + (1 - a) * video} in float32 ({@link MixedInversion#mix}); a model
     * whose weight is 0 is not called and may be null. Both see (B, 4, F, h, w) latents.
     */
    public static NoisePredictor fuse(NoisePredictor image, NoisePredictor video, MixingRatio a) {
        if ((a.usesImage() && image == null) || (a.usesVideo() && video == null)) {
            throw new IllegalArgumentException("mixing ratio " + a + " needs " + (a.usesImage() && a.usesVideo()
                    ? "both models" : a.usesImage() ? "the image model" : "the video model"));
        }
        return new WithLatents() {
            @Override
            public Tensor predict(Tensor scaled, Tensor sample, double t) {
                return MixedInversion.mix(
                        a.usesImage() ? Optional.of(image.predict(scaled, sample, t)) : Optional.empty(),
                        a.usesVideo() ? Optional.of(video.predict(scaled, sample, t)) : Optional.empty(), a);
            }
        };
    }

    /**
     * An image-model predictor over frames (B*F, 4, h, w) applied to video latents (B, 4, F, h, w): the
     * latents (scaled and unscaled) go to frames, the prediction back to the video layout.
     */
    public static NoisePredictor frameWise(NoisePredictor frames) {
        Objects.requireNonNull(frames, "frames");
        return new WithLatents() {
            @Override
            public Tensor predict(Tensor scaled, Tensor sample, double t) {
                int framesPerVideo = sample.dim(2);
                Tensor eps = frames.predict(VideoLatents.toFrames(scaled), VideoLatents.toFrames(sample),
                        t);                                           // (B*F, 4, h, w)
                return VideoLatents.toVideo(eps, framesPerVideo);     // (B, 4, F, h, w)
            }
        };
    }

    /** A combining predictor: it hands the unscaled latents on, so it is called through the loop's form only. */
    private abstract static class WithLatents implements NoisePredictor {
        @Override
        public Tensor predict(Tensor scaledSample, double timestep) {
            throw new UnsupportedOperationException("this model needs the unscaled latents: run it in DenoisingLoop");
        }
    }
}
