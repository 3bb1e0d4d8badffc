package org.bivdiff.bivdiff;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Network;
import org.bivdiff.io.Spellings;
import org.bivdiff.models.vae.AutoencoderKLConfig;
import org.bivdiff.pipelines.ProgressListener;
import org.bivdiff.pipelines.RunNoise;
import org.bivdiff.tensor.Tensor;

/**
 * BIVDiff: (1) frame-wise generation with a task-specific image model, (2) mixed inversion of those
 * frames with the image and the video model, (3) temporal smoothing with the video model. Finished
 * stages are kept in a {@link StageStore}, so an interrupted run resumes where it stopped. The
 * {@link Strategy} chooses the paper's scheme or one of the baselines it is compared with: the image
 * model's frames alone, text-to-video alone, or both models inside one loop ({@link JointDenoising}).
 *
 * <p>Videos of any length: the frame stage makes and stores the frames in batches of the video model's window
 * ({@link #frameBatches}), and inversion and smoothing run the networks in the options' {@link TemporalWindows}.
 */
public final class BivdiffPipeline {

    /** Stage name of the stored image-model frames. */
    public static final String STAGE_FRAMES = "idm_frames";

    /**
     * One run.
     *
     * @param generator      the image model of stage 1
     * @param inputs         source frames (F, 3, H, W) in [-1, 1] with conditions or masks
     * @param frameSettings  how the image model samples (its prompt carries the frame prompt); its steps, guidance,
     *                       seed and events are those of every stage
     * @param videoPrompt    the prompt of inversion and smoothing (and of the video model in the one-loop baselines)
     * @param negativePrompt their negative prompt
     * @param mixingRatio    a in z = a z_img + (1 - a) z_video; for FUSE, in eps = a eps_IDM + (1 - a) eps_VDM
     * @param strategy       the bridging scheme
     * @param options        BIVDiff's quirks or their clean variants
     */
    public record Request(FrameGenerator generator, FrameGenerator.Inputs inputs, FrameGenerator.Settings frameSettings,
                          String videoPrompt, String negativePrompt, MixingRatio mixingRatio, Strategy strategy,
                          InversionAndSmoothing.Options options) {

        public Request {
            Objects.requireNonNull(generator, "generator");
            Objects.requireNonNull(inputs, "inputs");
            Objects.requireNonNull(frameSettings, "frameSettings");
            Objects.requireNonNull(strategy, "strategy");
            Objects.requireNonNull(mixingRatio, "mixingRatio");
        }

        /** This run with another bridging scheme and mixing ratio (an ablation's variant). */
        public Request with(Strategy s, MixingRatio ratio) {
            return new Request(generator, inputs, frameSettings, videoPrompt, negativePrompt, ratio, s, options);
        }
    }

    /**
     * @param idmFrames  (F, 3, H, W) in [-1, 1] the image model's frames (empty for the baselines that make none:
     *                   VDM_ONLY, ALTERNATE, FUSE)
     * @param stages     inversion and smoothing in detail, when they ran
     * @param video      (1, 3, F, H, W) in [0, 1] the output video
     * @param stageTimes wall time per stage, in order; a stage taken from the store takes (almost) no time
     * @param resumed    the stages taken from the store (their {@link StageStore} names)
     */
    public record Result(Optional<Tensor> idmFrames, Optional<InversionAndSmoothing.Result> stages, Tensor video,
                         Map<String, Duration> stageTimes, Set<String> resumed) {
    }

    private final InversionAndSmoothing.Models models;
    private final Engine engine;

    /**
     * The {@link Result#stageTimes()} key of a stored stage, by its {@link StageStore} name: how to look up what
     * a stage cost when it was computed. Every batch of the frame stage ({@link #frameStageName}) is part of
     * the frame-wise generation.
     */
    public static String timeLabel(String storedStage) {
        return switch (storedStage) {
            case STAGE_FRAMES -> "frame-wise generation";
            case InversionAndSmoothing.STAGE_FRAME_LATENTS -> "frame encoding";
            case InversionAndSmoothing.STAGE_INVERSION_IMAGE -> "inversion (image)";
            case InversionAndSmoothing.STAGE_INVERSION_VIDEO -> "inversion (video)";
            default -> {
                if (storedStage.startsWith(STAGE_FRAMES + ".")) {
                    yield "frame-wise generation";
                }
                throw new IllegalArgumentException("no stored stage named '" + storedStage + "'");
            }
        };
    }

    public BivdiffPipeline(InversionAndSmoothing.Models models, Engine engine) {
        this.models = Objects.requireNonNull(models, "models");
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    public Result run(Request r, StageStore store) throws IOException {
        Engine announcing = engine.observed(loadsTo(r.frameSettings().events().progress()));
        Map<String, Duration> times = new LinkedHashMap<>();
        Set<String> resumed = new LinkedHashSet<>();
        Tensor source = r.inputs().source();
        int frames = source.dim(0);
        int[] latentShape = AutoencoderKLConfig.read(models.vae()).latentShape(frames, source.dim(2),
                source.dim(3));
        RunNoise noise = r.frameSettings().noise();
        InversionAndSmoothing stages23 = new InversionAndSmoothing(models, announcing);
        if (r.strategy() == Strategy.VDM_ONLY) {
            // The baseline without the image model: text-to-video from noise.
            long t0 = System.nanoTime();
            Tensor start = VideoLatents.toVideo(noise.latents().draw(0, latentShape), frames);   // (1, 4, F, h, w)
            Tensor video = stages23.textToVideo(stageRequest(r, source, noise, latentShape), start);
            times.put("text-to-video", Duration.ofNanos(System.nanoTime() - t0));
            return new Result(Optional.empty(), Optional.empty(), video, times, resumed);
        }
        if (r.strategy() == Strategy.ALTERNATE || r.strategy() == Strategy.FUSE) {
            // The baselines bridging both models inside one loop, from the noise text-to-video starts from.
            long t0 = System.nanoTime();
            Tensor start = VideoLatents.toVideo(noise.latents().draw(0, latentShape), frames);   // (1, 4, F, h, w)
            Tensor video = new JointDenoising(models, announcing).run(new JointDenoising.Request(r.strategy(),
                    r.generator(), r.inputs(), r.frameSettings(), stageRequest(r, source, noise, latentShape), start));
            times.put("joint denoising (" + Spellings.lower(r.strategy()) + ")",
                    Duration.ofNanos(System.nanoTime() - t0));
            return new Result(Optional.empty(), Optional.empty(), video, times, resumed);
        }
        // 1. Frame-wise generation in batches (or the stored batches of an earlier run)
        StageStore tracking = tracking(store, resumed);
        long t0 = System.nanoTime();
        Tensor idmFrames = frameStage(r, tracking);
        times.put(timeLabel(STAGE_FRAMES), Duration.ofNanos(System.nanoTime() - t0));
        if (r.strategy() == Strategy.IDM_ONLY) {
            Tensor video = VideoLatents.toVideo(ImageModelFrames.toUnit(idmFrames), frames);
            return new Result(Optional.of(idmFrames), Optional.empty(), video, times, resumed);
        }
        // 2. Mixed inversion and 3. temporal smoothing
        InversionAndSmoothing.Result out = stages23.run(stageRequest(r, idmFrames, noise, latentShape), tracking);
        times.putAll(out.stageTimes());
        return new Result(Optional.of(idmFrames), Optional.of(out), out.video(), times, resumed);
    }

    /** Tells {@code progress} of every session the stages after the frame-wise generation create. */
    private static Engine.Observer loadsTo(ProgressListener progress) {
        return new Engine.Observer() {
            @Override
            public void loaded(Network network, long startNanos, long endNanos) {
                progress.onLoad(network.model().name(), Duration.ofNanos(endNanos - startNanos));
            }

            @Override
            public void ran(Network network, long startNanos, long endNanos) {
            }
        };
    }

    /**
     * Stage 1: the frames in batches of the video model's window ({@link #frameBatches}), each stored as soon as it
     * is made, so that an interrupted run keeps its finished frames. Batches stored by an earlier run with the same
     * inputs are loaded; the image model is loaded only if a batch is missing.
     *
     * @return (F, 3, H, W) in [-1, 1]
     */
    private static Tensor frameStage(Request r, StageStore store) throws IOException {
        int frames = r.inputs().source().dim(0);
        List<FrameRange> batches = frameBatches(r.options().windows(), frames);
        Tensor[] made = new Tensor[batches.size()];
        List<FrameRange> missing = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            FrameRange b = batches.get(i);
            Optional<Map<String, Tensor>> stored = store.load(frameStageName(b, frames), frameFingerprint(r, b));
            if (stored.isPresent()) {
                made[i] = stored.get().get("frames");
            } else {
                missing.add(b);
            }
        }
        r.generator().generate(r.inputs(), r.frameSettings(), missing, (batch, images) -> {
            store.save(frameStageName(batch, frames), frameFingerprint(r, batch), Map.of("frames", images));
            made[batches.indexOf(batch)] = images;
        });
        return made.length == 1 ? made[0] : Tensor.concat0(Arrays.asList(made));
    }

    /**
     * The frame stage's batches: as many frames as the video model's window holds, the whole video when it has no
     * windows. The image models BIVDiff bridges make each frame on its own, so the batches change memory, not frames
     * (Prompt-to-Prompt inverts each batch with the inflated image UNet, whose GroupNorms then span the batch).
     */
    public static List<FrameRange> frameBatches(TemporalWindows windows, int frames) {
        return FrameRange.batches(frames, windows.isWholeVideo() ? frames : windows.length());
    }

    /** {@link #STAGE_FRAMES} for a whole video; {@code idm_frames.<from>-<to>} for a batch of a longer one. */
    static String frameStageName(FrameRange batch, int frames) {
        return batch.isWhole(frames) ? STAGE_FRAMES : STAGE_FRAMES + "." + batch.from() + "-" + batch.to();
    }

    /** Everything a batch of frames depends on: its rows of the inputs, where they start (the noise), the settings. */
    private static String frameFingerprint(Request r, FrameRange batch) {
        FrameGenerator.Inputs rows = r.inputs().rows(batch);
        return Fingerprint.of(STAGE_FRAMES, r.generator().describe(), rows.source(), rows.condition(), rows.masks(),
                r.frameSettings().prompt(), r.frameSettings().steps(), r.frameSettings().guidanceScale(),
                r.frameSettings().seed(), batch.from());
    }

    private static InversionAndSmoothing.Request stageRequest(Request r, Tensor frames, RunNoise noise, int[] latentShape) {
        FrameGenerator.Settings s = r.frameSettings();
        return InversionAndSmoothing.Request.of(frames, noise.vae().draw(0, latentShape), frames.dim(0),
                r.videoPrompt(), Optional.of(r.negativePrompt()), s.steps(), s.guidanceScale(), r.mixingRatio())
                .withOptions(r.options()).withEvents(s.events());
    }

    /** {@code store}, noting in {@code resumed} every stage it hands back. */
    private static StageStore tracking(StageStore store, Set<String> resumed) {
        return new StageStore() {
            @Override
            public Optional<Map<String, Tensor>> load(String stage, String fingerprint) throws IOException {
                Optional<Map<String, Tensor>> m = store.load(stage, fingerprint);
                m.ifPresent(x -> resumed.add(stage));
                return m;
            }

            @Override
            public void save(String stage, String fingerprint, Map<String, Tensor> tensors) throws IOException {
                store.save(stage, fingerprint, tensors);
            }
        };
    }
}
