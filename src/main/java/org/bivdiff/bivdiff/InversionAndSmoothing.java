package org.bivdiff.bivdiff;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.bivdiff.bivdiff.MixedInversion.Branch;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.DiffusersFolder;
import org.bivdiff.models.VideoUNet;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel.FrameNorm;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.models.vae.AutoencoderKLConfig;
import org.bivdiff.models.vae.LatentDistribution;
import org.bivdiff.pipelines.Batching;
import org.bivdiff.pipelines.DenoisingLoop;
import org.bivdiff.pipelines.Guidance.ConditionedModel;
import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.pipelines.ProgressListener;
import org.bivdiff.pipelines.PromptEmbeddings;
import org.bivdiff.pipelines.PromptEncoder;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.pipelines.StepNoise;
import org.bivdiff.schedulers.DdimInversion;
import org.bivdiff.schedulers.DdimInversion.InversionKind;
import org.bivdiff.schedulers.DdimScheduler;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.tensor.Tensor;

/**
 * BIVDiff after the frame-wise generation, as its inference.py runs it (steps 5 and 6): the frames an
 * image diffusion model made are VAE-encoded, mixed-inverted with the image and the video model, and
 * temporally smoothed by the video model into the output video.
 *
 * <p>Models are loaded stage by stage and closed when no later stage needs them: the VAE to encode, the text
 * encoders to encode the prompts, the image UNet for its inversion branch, the video UNet once for its inversion
 * branch and the smoothing (it is closed before the decode), and the VAE again to decode. At most one UNet is
 * resident; the video UNet runs one video per call and the VAE one frame per call, to bound activation memory.
 *
 * <p>With {@link Options#windows()} other than the whole video, both UNets of the inversion and the smoothing's
 * video UNet run in overlapping temporal windows blended at every step ({@link TemporalWindows}), so their memory is
 * that of one window whatever the video's length. The inflated image UNet then takes its across-frames GroupNorm
 * statistics ({@link FrameNorm#ACROSS_FRAMES}) over the frames of each window, where BIVDiff takes them over the
 * whole video (which is the same when the video fits one window); with {@link FrameNorm#PER_FRAME} its windows do
 * not overlap, since its frames do not depend on each other.
 */
public final class InversionAndSmoothing {

    /**
     * Where the models are.
     *
     * @param vae              AutoencoderKL folder (SD 1.5's in BIVDiff)
     * @param imageUnet        SD 1.x UNet folder, inflated to run on every frame
     * @param imageTokenizer   the image model's CLIP tokenizer folder
     * @param imageTextEncoder the image model's CLIP text encoder folder
     * @param video            the video model (ZeroScope or VidRD), or null for the image-model stages alone
     * @param scheduler        the {@code scheduler_config.json} of the DDIM scheduler both stages share
     */
    public record Models(Path vae, Path imageUnet, Path imageTokenizer, Path imageTextEncoder, VideoModel video,
                         Path scheduler) {

        /**
         * BIVDiff's choice: SD's VAE, UNet, tokenizer, text encoder and scheduler from its pipeline folder, and
         * the video model ({@code null} for none).
         */
        public static Models ofPipelines(Path stableDiffusion, VideoModel video) throws IOException {
            DiffusersFolder image = DiffusersFolder.open(stableDiffusion);
            return new Models(image.require("vae"), image.require("unet"), image.require("tokenizer"),
                    image.require("text_encoder"), video, image.require("scheduler").resolve("scheduler_config.json"));
        }

        /** The video model; fails when these models have none. */
        public VideoModel requireVideo() {
            if (video == null) {
                throw new IllegalStateException("this run has no video model");
            }
            return video;
        }
    }

    /**
     * Choices where BIVDiff's behaviour has a clean alternative, and how long a video the networks see at once.
     *
     * @param inversion      BIVDiff's {@code reverse_step} or the textbook DDIM inversion
     * @param imageFrameNorm the inflated UNet's GroupNorms across frames (BIVDiff) or per frame
     * @param scaling        the hard-coded 0.18215 (BIVDiff) or the VAE's {@code scaling_factor}
     * @param windows        the temporal windows of inversion and smoothing, also the frame stage's batches:
     *                       {@link TemporalWindows#WHOLE_VIDEO} (BIVDiff) or overlapping windows for videos longer
     *                       than the video model's window. With windows, the image model's inversion takes its
     *                       across-frames GroupNorm statistics per window, where the reference takes them per video
     */
    public record Options(InversionKind inversion, FrameNorm imageFrameNorm, LatentScaling scaling,
                          TemporalWindows windows) {

        /** Exactly what BIVDiff does. */
        public static final Options BIVDIFF = new Options(InversionKind.BIVDIFF_REVERSE_STEP, FrameNorm.ACROSS_FRAMES,
                LatentScaling.BIVDIFF_HARD_CODED);

        public Options {
            Objects.requireNonNull(windows, "windows");
        }

        /** The whole video at once, as BIVDiff runs it. */
        public Options(InversionKind inversion, FrameNorm imageFrameNorm, LatentScaling scaling) {
            this(inversion, imageFrameNorm, scaling, TemporalWindows.WHOLE_VIDEO);
        }

        public Options withWindows(TemporalWindows w) {
            return new Options(inversion, imageFrameNorm, scaling, w);
        }
    }

    /**
     * One run.
     *
     * @param frames            (B*F, 3, H, W) in [-1, 1]: the frame-wise generated frames, each video's consecutive
     * @param vaeNoise          (B*F, 4, h, w) the draw of the VAE posterior's {@code sample()}
     * @param videoLength       F
     * @param prompt            the video prompt (BIVDiff: vdm_prompt + the IDM's positive prompt)
     * @param negativePrompt    the negative prompt, or empty for {@code ""}
     * @param numInferenceSteps DDIM steps of both the inversion and the smoothing
     * @param guidanceScale     classifier-free guidance of the smoothing (also decides which text state
     *                          the inversion sees, see {@link MixedInversion#inversionEmbedding})
     * @param mixingRatio       the image model's weight
     * @param eta               DDIM eta of the smoothing
     * @param smoothingNoise    the smoothing's per-step draws when eta > 0
     * @param options           BIVDiff's quirks or their clean variants, and the temporal windows
     * @param events            progress and cancellation of every step, the smoothing's step observer
     */
    public record Request(Tensor frames, Tensor vaeNoise, int videoLength, String prompt, Optional<String> negativePrompt,
                          int numInferenceSteps, double guidanceScale, MixingRatio mixingRatio, double eta,
                          StepNoise smoothingNoise, Options options, RunEvents events) {

        public Request {
            Objects.requireNonNull(frames, "frames");
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(mixingRatio, "mixingRatio");
        }

        /** BIVDiff's options, deterministic DDIM, no events. */
        public static Request of(Tensor frames, Tensor vaeNoise, int videoLength, String prompt,
                                 Optional<String> negativePrompt, int numInferenceSteps, double guidanceScale,
                                 MixingRatio mixingRatio) {
            return new Request(frames, vaeNoise, videoLength, prompt, negativePrompt, numInferenceSteps, guidanceScale,
                    mixingRatio, 0.0, StepNoise.NONE, Options.BIVDIFF, RunEvents.NONE);
        }

        public Request withEvents(RunEvents e) {
            return new Request(frames, vaeNoise, videoLength, prompt, negativePrompt, numInferenceSteps, guidanceScale,
                    mixingRatio, eta, smoothingNoise, options, e);
        }

        public Request withOptions(Options o) {
            return new Request(frames, vaeNoise, videoLength, prompt, negativePrompt, numInferenceSteps, guidanceScale,
                    mixingRatio, eta, smoothingNoise, o, events);
        }
    }

    /**
     * Everything a run computed.
     *
     * @param posterior           per frame (B*F, 4, h, w)
     * @param encodedLatents      (B, 4, F, h, w) the inversion's start
     * @param imageEmbedding      (1, L, D) what the image UNet saw during inversion
     * @param videoEmbedding      (1, L, D) what the video UNet saw during inversion
     * @param inversion           the mixed latents and the branches that ran
     * @param smoothingEmbeddings the video text encoder's states of the smoothing
     * @param smoothedLatents     (B, 4, F, h, w)
     * @param video               (B, 3, F, H, W) in [0, 1]
     * @param stageTimes          wall time per stage (frame encoding, each inversion, smoothing with decoding); a
     *                            stage taken from the store takes (almost) no time
     */
    public record Result(LatentDistribution posterior, Tensor encodedLatents, Tensor imageEmbedding,
                         Tensor videoEmbedding, MixedInversion.Result inversion, PromptEmbeddings smoothingEmbeddings,
                         Tensor smoothedLatents, Tensor video, Map<String, Duration> stageTimes) {
    }

    private final Models models;
    private final Engine engine;

    public InversionAndSmoothing(Models models, Engine engine) {
        this.models = Objects.requireNonNull(models, "models");
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /** Runs mixed inversion and temporal smoothing on the request's frames. */
    public Result run(Request r) throws IOException {
        return run(r, StageStore.NONE);
    }

    /**
     * Runs mixed inversion and temporal smoothing, taking the frame encoding and each model's inversion from
     * {@code store} when a previous run with the same inputs finished them (whatever its mixing ratio), and
     * storing them otherwise.
     */
    public Result run(Request r, StageStore store) throws IOException {
        boolean cfg = r.guidanceScale() > 1;
        SchedulerConfig schedulerConfig = SchedulerConfig.read(models.scheduler());
        Map<String, Duration> times = new LinkedHashMap<>();
        // The image UNet loads beside the encodings below when memory allows, the video UNet once for its inversion
        // and the smoothing, during the image inversion if memory allows.
        try (Resident<InflatedUNet3DConditionModel> imageUnet = imageUnet(r);
             Resident<VideoUNet> videoUnet = videoUnet(r)) {
            String framesFingerprint = framesFingerprint(r);
            loadImageUnetDuringEncodings(imageUnet, r, store, framesFingerprint);
            // 1. Encode the prompts with each model's text encoder, the video model's loading beside the image model's
            Tensor imageEmbedding;
            PromptEmbeddings videoEmbeddings;
            try (ClipTextModel videoEncoder = models.requireVideo().loadTextEncoder(engine)) {
                videoEncoder.prefetch();
                imageEmbedding = MixedInversion.inversionEmbedding(
                        encodePrompt(models.imageTokenizer(), models.imageTextEncoder(), r, cfg));
                videoEmbeddings = encodeVideoPrompt(r, videoEncoder);
            }
            Tensor videoEmbedding = MixedInversion.inversionEmbedding(videoEmbeddings);
            // 2. Encode the frames, then invert them with each model of non-zero weight, and mix. Each of these
            //    results is stored on its own and none depends on the mixing ratio: runs that differ only in the
            //    ratio share them.
            long t0 = System.nanoTime();
            MixedInversion.Encoded encoded = encodeFrames(r, store, framesFingerprint);
            times.put(BivdiffPipeline.timeLabel(STAGE_FRAME_LATENTS), since(t0));
            DdimInversion inversion = DdimInversion.create(schedulerConfig, r.numInferenceSteps(),
                    r.options().inversion());
            Optional<Tensor> zImage = Optional.empty();
            if (r.mixingRatio().usesImage()) {
                long t1 = System.nanoTime();
                zImage = Optional.of(invertWithImageUnet(r, encoded.latents(), imageEmbedding, inversion, store,
                        imageUnet, () -> loadVideoUnetDuring(videoUnet, encoded.latents(), r.options().windows())));
                times.put(BivdiffPipeline.timeLabel(STAGE_INVERSION_IMAGE), since(t1));
            }
            Optional<Tensor> zVideo = Optional.empty();
            if (r.mixingRatio().usesVideo()) {
                long t2 = System.nanoTime();
                zVideo = Optional.of(invertWithVideoUnet(r, encoded.latents(), videoEmbedding, inversion, store,
                        videoUnet));
                times.put(BivdiffPipeline.timeLabel(STAGE_INVERSION_VIDEO), since(t2));
            }
            MixedInversion.Result mixed = new MixedInversion.Result(MixedInversion.mix(zImage, zVideo,
                    r.mixingRatio()), zImage, zVideo);
            // 3. Temporal smoothing with the video UNet, 4. decode every frame
            long t3 = System.nanoTime();
            Smoothed out = smooth(r, mixed.mixed(), videoEmbeddings, schedulerConfig, videoUnet);
            times.put("temporal smoothing", since(t3));
            return result(encoded, imageEmbedding, videoEmbedding, mixed, videoEmbeddings, out, times);
        }
    }

    private static Result result(MixedInversion.Encoded encoded, Tensor imageEmbedding, Tensor videoEmbedding,
                                 MixedInversion.Result mixed, PromptEmbeddings videoEmbeddings, Smoothed out,
                                 Map<String, Duration> times) {
        return new Result(encoded.posterior(), encoded.latents(), imageEmbedding, videoEmbedding, mixed,
                videoEmbeddings, out.latents(), out.video(), times);
    }

    /**
     * Stage 2's image branch alone, for a request with mixing ratio 1: the frames encoded and inverted
     * with the image UNet, no video model. inference.py inverts the source frames this way before
     * Prompt-to-Prompt edits them.
     *
     * @return (B, 4, F, h, w) the inverted latents
     */
    public Tensor invertWithImageModel(Request r) throws IOException {
        if (!r.mixingRatio().equals(MixingRatio.IMAGE_ONLY)) {
            throw new IllegalArgumentException("the image-model inversion has mixing ratio 1, got " + r.mixingRatio());
        }
        Tensor imageEmbedding = MixedInversion.inversionEmbedding(
                encodePrompt(models.imageTokenizer(), models.imageTextEncoder(), r, r.guidanceScale() > 1));
        DdimInversion inversion = DdimInversion.create(SchedulerConfig.read(models.scheduler()), r.numInferenceSteps(),
                r.options().inversion());
        try (Resident<InflatedUNet3DConditionModel> imageUnet = imageUnet(r)) {
            Tensor latents = encodeFrames(r, StageStore.NONE, framesFingerprint(r)).latents();
            return invertWithImageUnet(r, latents, imageEmbedding, inversion, StageStore.NONE, imageUnet, () -> { });
        }
    }

    /**
     * The video model alone: denoises {@code start} (B, 4, F, h, w) with the request's prompt and
     * guidance, then decodes; from Gaussian noise this is plain text-to-video generation.
     *
     * @return (B, 3, F, H, W) in [0, 1]
     */
    public Tensor textToVideo(Request r, Tensor start) throws IOException {
        PromptEmbeddings embeddings = encodeVideoPrompt(r);
        try (Resident<VideoUNet> videoUnet = videoUnet(r)) {
            return smooth(r, start, embeddings, SchedulerConfig.read(models.scheduler()), videoUnet).video();
        }
    }

    /** The inflated image UNet with its session for the request's frame norm, loaded when a stage first asks for it. */
    private Resident<InflatedUNet3DConditionModel> imageUnet(Request r) {
        FrameNorm norm = r.options().imageFrameNorm();
        return new Resident<>(() -> InflatedUNet3DConditionModel.load(models.imageUnet(), engine),
                unet -> unet.prepare(norm), InflatedUNet3DConditionModel::close);
    }

    /**
     * Starts loading the image UNet on a background thread, beside the prompt and frame encodings, when its inversion
     * is to be computed and the machine's free memory holds it beside the VAE encoder's activations
     * ({@link MemoryEstimate#fitsBeside}). Frames not yet encoded tell that the inversion is not stored either: a run
     * stores the encoding first.
     */
    private void loadImageUnetDuringEncodings(Resident<InflatedUNet3DConditionModel> imageUnet, Request r,
                                              StageStore store, String framesFingerprint) throws IOException {
        if (!r.mixingRatio().usesImage() || store.load(STAGE_FRAME_LATENTS, framesFingerprint).isPresent()) {
            return;
        }
        int[] frames = r.frames().shape();                                          // (B*F, 3, H, W)
        long activations = MemoryEstimate.vae(frames[2], frames[3],
                AutoencoderKLConfig.read(models.vae()).blockOutChannels()[0]);
        if (MemoryEstimate.fitsBeside(MemoryEstimate.weights(models.imageUnet(), engine.computeType()), activations)) {
            imageUnet.loadInBackground();
        }
    }

    /** The request's video UNet with its session, loaded when a stage first asks for it. */
    private Resident<VideoUNet> videoUnet(Request r) {
        VideoModel video = models.requireVideo();
        return new Resident<>(() -> video.loadUnet(engine), VideoUNet::prepare, VideoUNet::close);
    }

    /**
     * Starts loading the video UNet on a background thread while the image UNet inverts {@code latents}
     * (B, 4, F, h, w), when the machine's free memory holds it beside that inversion's activations
     * ({@link MemoryEstimate#fitsBeside}); otherwise it loads when its stage starts.
     */
    private void loadVideoUnetDuring(Resident<VideoUNet> videoUnet, Tensor latents, TemporalWindows windows)
            throws IOException {
        long weights;
        try (Checkpoint c = models.requireVideo().openUnetWeights()) {
            weights = MemoryEstimate.weights(c, engine.computeType());
        }
        int frames = Math.min(latents.dim(2), windows.isWholeVideo() ? latents.dim(2) : windows.length());
        long activations = MemoryEstimate.imageUnet(frames, latents.dim(3), latents.dim(4),
                UNet2DConditionConfig.read(models.imageUnet()).blockOutChannels()[0]);
        if (MemoryEstimate.fitsBeside(weights, activations)) {
            videoUnet.loadInBackground();
        }
    }

    /** The request's prompt through the video model's text encoder, negative states too when guided. */
    PromptEmbeddings encodeVideoPrompt(Request r) throws IOException {
        try (ClipTextModel encoder = models.requireVideo().loadTextEncoder(engine)) {
            return encodeVideoPrompt(r, encoder);
        }
    }

    private PromptEmbeddings encodeVideoPrompt(Request r, ClipTextModel encoder) throws IOException {
        return encodePrompt(models.requireVideo().tokenizer(), encoder, r, r.guidanceScale() > 1);
    }


    /**
     * Decodes video latents with the VAE (loaded for the call) as the smoothing does.
     *
     * @param latents (B, 4, F, h, w)
     * @return (B, 3, F, H, W) in [0, 1]
     */
    Tensor decode(Tensor latents, LatentScaling scaling) throws IOException {
        try (AutoencoderKL vae = AutoencoderKL.loadPerImage(models.vae(), engine)) {
            return TemporalSmoothing.decode(vae, latents, scaling);
        }
    }

    private record Smoothed(Tensor latents, Tensor video) {
    }

    /**
     * The smoothing with {@code videoUnet}, which is closed before the decode: no later stage needs it. The VAE's
     * decoder loads on a background thread while the smoothing runs, when free memory holds it beside the smoothing's
     * activations ({@link MemoryEstimate#fitsBeside}).
     *
     * @param start (B, 4, F, h, w)
     */
    private Smoothed smooth(Request r, Tensor start, PromptEmbeddings videoEmbeddings, SchedulerConfig schedulerConfig,
                            Resident<VideoUNet> videoUnet) throws IOException {
        try (Resident<AutoencoderKL> decoder = new Resident<>(() -> AutoencoderKL.loadPerImage(models.vae(), engine),
                AutoencoderKL::prepareDecoder, AutoencoderKL::close)) {
            VideoUNet unet = videoUnet.get();
            int frames = r.options().windows().isWholeVideo() ? start.dim(2)
                    : Math.min(start.dim(2), r.options().windows().length());
            if (MemoryEstimate.fitsBeside(MemoryEstimate.weights(models.vae(), engine.computeType()),
                    MemoryEstimate.videoUnet(frames, start.dim(3), start.dim(4), unet.baseChannels()))) {
                decoder.loadInBackground();
            }
            DdimScheduler scheduler = DdimScheduler.create(schedulerConfig, r.numInferenceSteps(), r.eta());
            Tensor smoothed = DenoisingLoop.run(TemporalSmoothing.request(scheduler, start, perVideo(unet),
                    videoEmbeddings, r.guidanceScale(), r.options().windows()).withNoise(r.smoothingNoise())
                    .withEvents("temporal smoothing", r.events()));
            videoUnet.close();
            return new Smoothed(smoothed, TemporalSmoothing.decode(decoder.get(), smoothed, r.options().scaling()));
        }
    }

    /**
     * The video UNet called one video at a time: the guidance batch [uncond; cond] of one 8-frame
     * 512x512 video peaks 11.5 GB above the idle process in one call and 8.1 GB in two ({@code bivdiff bench
     * --preset unet3d}: weights 4.4 GB), at about the same speed (best of 2 on 2 cores: 44.7 s per video
     * against 85.7 s for both). Every layer is per video, so the result is the same.
     */
    private static ConditionedModel perVideo(VideoUNet unet) {
        return Batching.inChunks(unet::forward, 1);
    }

    /** Stage name of the stored frame encoding: the VAE posterior of every frame and the inversion's start. */
    public static final String STAGE_FRAME_LATENTS = "frame_latents";
    /** Stage name of the stored inversion with the image UNet. */
    public static final String STAGE_INVERSION_IMAGE = "inversion_image";
    /** Stage name of the stored inversion with the video UNet. */
    public static final String STAGE_INVERSION_VIDEO = "inversion_video";

    /**
     * The frames' posterior and latents (B, 4, F, h, w), stored or computed with the VAE.
     *
     * @param fingerprint {@link #framesFingerprint}
     */
    private MixedInversion.Encoded encodeFrames(Request r, StageStore store, String fingerprint) throws IOException {
        Map<String, Tensor> m = store.loadOrCompute(STAGE_FRAME_LATENTS, fingerprint, () -> {
            MixedInversion.Encoded encoded;
            try (AutoencoderKL vae = AutoencoderKL.loadPerImage(models.vae(), engine)) {
                encoded = MixedInversion.encodeFrames(vae, r.frames(), r.vaeNoise(), r.videoLength(),
                        r.options().scaling());
            }
            LatentDistribution posterior = encoded.posterior();
            return Map.of("posterior_mean", posterior.mean(), "posterior_logvar", posterior.logvar(),
                    "posterior_std", posterior.std(), "encoded_latents", encoded.latents());
        });
        return new MixedInversion.Encoded(new LatentDistribution(m.get("posterior_mean"), m.get("posterior_logvar"),
                m.get("posterior_std")), m.get("encoded_latents"));
    }

    /** What the frame encoding depends on. */
    private String framesFingerprint(Request r) throws IOException {
        return Fingerprint.of(STAGE_FRAME_LATENTS, models.vae(), r.frames(), r.vaeNoise(), r.videoLength(),
                r.options().scaling());
    }

    /** Starts loading a later stage's model while the image UNet inverts. */
    @FunctionalInterface
    private interface Preload {
        void start() throws IOException;
    }

    /**
     * The image branch of the inversion (stored or computed), with the inflated SD UNet, which is closed after it:
     * no later stage needs it. When the inversion is computed, {@code alongside} starts once the image UNet's session
     * is ready.
     */
    private Tensor invertWithImageUnet(Request r, Tensor latents, Tensor embedding, DdimInversion inversion,
                                       StageStore store, Resident<InflatedUNet3DConditionModel> imageUnet,
                                       Preload alongside) throws IOException {
        FrameNorm norm = r.options().imageFrameNorm();
        // Per-frame norms make every frame independent: windows need not overlap.
        TemporalWindows windows = norm == FrameNorm.PER_FRAME ? r.options().windows().tiling()
                : r.options().windows();
        String fingerprint = Fingerprint.of(STAGE_INVERSION_IMAGE, models.imageUnet(), models.scheduler(), latents,
                embedding, r.numInferenceSteps(), r.options().inversion(), norm, effective(windows, latents));
        return store.loadOrCompute(STAGE_INVERSION_IMAGE, fingerprint, () -> {
            r.events().cancellation().check("mixed inversion, image model");
            try (imageUnet) {
                InflatedUNet3DConditionModel unet = imageUnet.get();
                alongside.start();
                ConditionedModel model = (x, t, e) -> unet.forward(x, t, e, norm);
                return Map.of("latents", invertBranch(latents, new Branch(model, embedding), windows, inversion,
                        "inversion (image)", r));
            }
        }).get("latents");
    }

    /** The video branch of the inversion (stored or computed), with the video UNet. */
    private Tensor invertWithVideoUnet(Request r, Tensor latents, Tensor embedding, DdimInversion inversion,
                                       StageStore store, Resident<VideoUNet> videoUnet) throws IOException {
        TemporalWindows windows = r.options().windows();
        String fingerprint = Fingerprint.of(STAGE_INVERSION_VIDEO, models.requireVideo(), models.scheduler(), latents,
                embedding, r.numInferenceSteps(), r.options().inversion(), effective(windows, latents));
        return store.loadOrCompute(STAGE_INVERSION_VIDEO, fingerprint, () -> {
            r.events().cancellation().check("mixed inversion, video model");
            VideoUNet unet = videoUnet.get();
            return Map.of("latents", invertBranch(latents, new Branch(unet::forward, embedding), windows,
                    inversion, "inversion (video)", r));
        }).get("latents");
    }

    /**
     * What of {@code windows} a stored inversion of (B, 4, F, h, w) {@code latents} depends on: nothing when the
     * video fits one window (it then runs whole, bit for bit), the windows otherwise.
     */
    private static TemporalWindows effective(TemporalWindows windows, Tensor latents) {
        return windows.over(latents.dim(2)).size() == 1 ? TemporalWindows.WHOLE_VIDEO : windows;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** One branch's inversion, its UNet run window by window, with progress and cancellation per step. */
    private static Tensor invertBranch(Tensor latents, Branch branch, TemporalWindows windows, DdimInversion inversion,
                                       String stage, Request r) {
        NoisePredictor model = windows.wrap(MixedInversion.predictor(branch, latents.dim(0)));
        return DenoisingLoop.invert(inversion, latents, withProgress(model, stage, r));
    }

    /** {@code model} reporting one progress event per call (one per inversion step) and checking for cancellation. */
    private static NoisePredictor withProgress(NoisePredictor model, String stage, Request r) {
        long start = System.nanoTime();
        int[] step = {0};
        return (x, t) -> {
            r.events().cancellation().check(stage + " step " + (step[0] + 1) + "/" + r.numInferenceSteps());
            Tensor out = model.predict(x, t);
            step[0]++;
            r.events().progress().onStep(new ProgressListener.Progress(stage, step[0], r.numInferenceSteps(), t,
                    Duration.ofNanos(System.nanoTime() - start)));
            return out;
        };
    }

    /** The prompt's states repeated for each of the B videos: (B, L, D) per list. */
    private PromptEmbeddings encodePrompt(Path tokenizer, Path textEncoder, Request r, boolean cfg) throws IOException {
        try (ClipTextModel encoder = ClipTextModel.load(textEncoder, engine)) {
            return encodePrompt(tokenizer, encoder, r, cfg);
        }
    }

    private static PromptEmbeddings encodePrompt(Path tokenizer, ClipTextModel encoder, Request r, boolean cfg)
            throws IOException {
        int videos = r.frames().dim(0) / r.videoLength();
        return new PromptEncoder(ClipTokenizer.load(tokenizer), encoder).encode(List.of(r.prompt()),
                r.negativePrompt().map(List::of).orElse(null), videos, cfg);
    }
}
