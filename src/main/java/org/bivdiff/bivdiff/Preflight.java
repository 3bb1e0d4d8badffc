package org.bivdiff.bivdiff;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.bivdiff.graph.Engine;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.DType;
import org.bivdiff.io.DiffusersFolder;
import org.bivdiff.io.IoErrors;
import org.bivdiff.media.VideoInfo;
import org.bivdiff.media.VideoReader;
import org.bivdiff.media.VideoSampler;
import org.bivdiff.models.VideoUNet;
import org.bivdiff.models.WeightsException;
import org.bivdiff.models.clip.ClipTextModel;
import org.bivdiff.models.clip.ClipTokenizer;
import org.bivdiff.models.unet2d.InflatedUNet3DConditionModel;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;
import org.bivdiff.models.vae.AutoencoderKL;
import org.bivdiff.models.vae.AutoencoderKLConfig;
import org.bivdiff.pipelines.PromptEncoder;
import org.bivdiff.schedulers.DdimScheduler;
import org.bivdiff.schedulers.SchedulerConfig;

/**
 * Everything a BIVDiff run can check before its first heavy step, all at once: every model folder the run
 * will load, read as its stage will read it (config class and options, the architecture the role needs,
 * every weight's header, key and shape, and that the parts fit each other), the videos (decodable, enough
 * frames, their sizes), the frame size against the models, and the run's estimated peak memory against the
 * machine's ({@link MemoryEstimate}). Nothing is decoded beyond headers, no graph is built, nothing runs: a
 * broken video model is found in seconds, not after the image model's frames and the inversion.
 *
 * <p>Problems are collected, not thrown one at a time, so a user fixes them in one go; warnings name what
 * the run will change without failing (a prompt cut to the text encoder's length, frames resized).
 */
public final class Preflight {

    /**
     * A video the run reads, sampled as BIVDiff's {@code read_video} does.
     *
     * @param key       its name in messages ({@code video}, {@code condition_video})
     * @param source    a video file or a folder of images
     * @param frameRate one frame every this many, 0 to spread the frames over the clip
     */
    public record Video(String key, Path source, int frameRate) {
    }

    /**
     * A text the run encodes.
     *
     * @param key       its name in messages ({@code prompt})
     * @param text      the text as encoded (suffixes included)
     * @param tokenizer the tokenizer folder that reads it
     */
    public record Text(String key, String text, Path tokenizer) {
    }

    /**
     * What a run will do.
     *
     * @param generator the image model of stage 1 (its settings in {@code frameSettings})
     * @param models    the models of inversion and smoothing
     * @param strategy  which stages run and which models they hold
     * @param videos    the videos read
     * @param texts     the prompts encoded
     * @param frames    F
     * @param height    frame height in pixels
     * @param width     frame width in pixels
     * @param windows   the video model's windows, also the frame stage's batches: a UNet call sees at most one
     *                  window's frames
     */
    public record Plan(FrameGenerator generator, FrameGenerator.Settings frameSettings,
                       InversionAndSmoothing.Models models, Strategy strategy, List<Video> videos, List<Text> texts,
                       int frames, int height, int width, TemporalWindows windows) {

        public Plan {
            Objects.requireNonNull(generator, "generator");
            Objects.requireNonNull(models, "models");
            Objects.requireNonNull(windows, "windows");
            videos = List.copyOf(videos);
            texts = List.copyOf(texts);
        }
    }

    /** Every problem (the run cannot start) and warning (it starts, but changes something), one line each. */
    public record Report(List<String> problems, List<String> warnings) {

        public Report {
            problems = List.copyOf(problems);
            warnings = List.copyOf(warnings);
        }
    }

    /** A check that may fail with a problem of ours. */
    @FunctionalInterface
    private interface Check<T> {
        T run() throws IOException;
    }

    private final Plan plan;
    private final Engine engine;
    private final List<String> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private Preflight(Plan plan, Engine engine) {
        this.plan = plan;
        this.engine = engine;
    }

    /**
     * Checks {@code plan} with the models read as {@code engine} will load them.
     *
     * @param machine the machine's memory, or empty to skip the memory estimate
     */
    public static Report check(Plan plan, Engine engine, Optional<MemoryEstimate.Machine> machine) {
        Preflight p = new Preflight(plan, engine);
        for (Video v : plan.videos()) {
            p.video(v);
        }
        Optional<List<MemoryEstimate.Stage>> stages = p.models();
        for (Text t : plan.texts()) {
            p.attempt("tokenizer of " + t.key(), () -> PromptEncoder.truncationWarning(ClipTokenizer.load(t.tokenizer()),
                    t.key(), t.text())).flatMap(w -> w).ifPresent(p.warnings::add);
        }
        if (stages.isPresent() && machine.isPresent()) {
            p.memory(stages.get(), machine.get());
        }
        return new Report(p.problems.stream().distinct().toList(), p.warnings.stream().distinct().toList());
    }

    /** The video decodes, has the frames the sampling needs, and is warned about when its frames are resized. */
    private void video(Video v) {
        attempt(v.key() + " = " + v.source(), () -> {
            VideoInfo info = VideoReader.probe(v.source());
            int rate = v.frameRate() == 0 ? VideoSampler.defaultFrameRate(info.frameCount(), plan.frames())
                    : v.frameRate();
            VideoSampler.sampleIndices(v.source(), info.frameCount(), plan.frames(), rate);
            if (info.width() != plan.width() || info.height() != plan.height()) {
                warnings.add(v.key() + " " + v.source() + ": its " + info.width() + "x" + info.height()
                        + " frames are resized to " + plan.width() + "x" + plan.height());
            }
            return info;
        });
    }

    /**
     * Loads every model the strategy uses, as its stage will, and returns the stages' memory; empty when a
     * model could not be read (then its problem is listed).
     */
    private Optional<List<MemoryEstimate.Stage>> models() {
        InversionAndSmoothing.Models m = plan.models();
        Strategy s = plan.strategy();
        boolean imageModel = s != Strategy.VDM_ONLY;
        boolean videoModel = s != Strategy.IDM_ONLY;
        boolean inversion = s == Strategy.SEQUENTIAL;
        int problemsBefore = problems.size();
        Optional<FrameGenerator.Footprint> footprint = imageModel ? attempt("image model ("
                + plan.generator().describe() + ")", () -> plan.generator().check(plan.frames(), plan.height(),
                plan.width(), plan.frameSettings())) : Optional.of(FrameGenerator.Footprint.NONE);
        Optional<AutoencoderKLConfig> vae = attempt("VAE", () -> {
            AutoencoderKL.loadPerImage(m.vae(), engine).close();
            return AutoencoderKLConfig.read(m.vae());
        });
        attempt("scheduler", () -> DdimScheduler.create(SchedulerConfig.read(m.scheduler()),
                plan.frameSettings().steps(), 0));
        if (inversion) {
            attempt("image UNet of the inversion", () -> {
                InflatedUNet3DConditionModel.load(m.imageUnet(), engine).close();
                return true;
            });
            textEncoder("image model's", m.imageTokenizer(), m.imageTextEncoder());
        }
        Optional<Integer> videoText = videoModel ? videoTextEncoder(m.requireVideo()) : Optional.of(0);
        Optional<VideoUNet> videoUnet = videoModel ? attempt("video model's UNet", () -> {
            try (VideoUNet u = m.requireVideo().loadUnet(engine)) {
                return u;
            }
        }) : Optional.empty();
        if (videoUnet.isPresent() && videoText.isPresent() && videoUnet.get().crossAttentionDim() != videoText.get()) {
            problems.add("video model: its UNet (" + m.requireVideo().describeUnet() + ") attends to text of width "
                    + videoUnet.get().crossAttentionDim() + " but its text encoder makes " + videoText.get()
                    + ": they are of different models");
        }
        vae.ifPresent(this::sizes);
        if (problems.size() > problemsBefore) {
            return Optional.empty();
        }
        return attempt("memory estimate", () -> stages(footprint.orElseThrow(), vae.orElseThrow(),
                videoUnet.map(VideoUNet::baseChannels).orElse(0)));
    }

    /** The video model's tokenizer and text encoder; returns the encoder's width. */
    private Optional<Integer> videoTextEncoder(VideoModel video) {
        attempt("video model's tokenizer", () -> ClipTokenizer.load(video.tokenizer()));
        return attempt("video model's text encoder", () -> {
            try (ClipTextModel encoder = video.loadTextEncoder(engine)) {
                return encoder.config().hiddenSize();
            }
        });
    }

    /** Loads a tokenizer and its text encoder; returns the encoder's width. */
    private Optional<Integer> textEncoder(String whose, Path tokenizer, Path textEncoder) {
        attempt(whose + " tokenizer", () -> ClipTokenizer.load(tokenizer));
        return attempt(whose + " text encoder", () -> {
            try (ClipTextModel encoder = ClipTextModel.load(textEncoder, engine)) {
                return encoder.config().hiddenSize();
            }
        });
    }

    /** Frame sizes the VAE can encode into whole latents. */
    private void sizes(AutoencoderKLConfig vae) {
        int f = vae.scaleFactor();
        if (plan.height() % f != 0 || plan.width() % f != 0 || plan.height() < f || plan.width() < f) {
            problems.add("frames of " + plan.width() + "x" + plan.height() + ": width and height must be positive "
                    + "multiples of " + f + ", the VAE's scale factor");
        }
    }

    /** Each stage's weights and largest call. */
    private List<MemoryEstimate.Stage> stages(FrameGenerator.Footprint image, AutoencoderKLConfig vae, int videoC0)
            throws IOException {
        DType type = engine.computeType();
        long h = plan.height() / vae.scaleFactor();
        long w = plan.width() / vae.scaleFactor();
        int frames = framesPerCall();
        InversionAndSmoothing.Models m = plan.models();
        long vaeWeights = MemoryEstimate.weights(m.vae(), type);
        long decode = vaeWeights + MemoryEstimate.vae(plan.height(), plan.width(), vae.blockOutChannels()[0]);
        List<MemoryEstimate.Stage> stages = new ArrayList<>();
        stages.add(new MemoryEstimate.Stage("decoding", decode, 0, 1));
        long imageWeights = 0;
        int imageC0 = 0;
        if (image.pipeline() != null) {
            DiffusersFolder sd = DiffusersFolder.open(image.pipeline());
            Path unet = image.unet() != null ? image.unet() : sd.require("unet");
            imageC0 = UNet2DConditionConfig.read(unet).blockOutChannels()[0];
            imageWeights = MemoryEstimate.weights(sd.require("text_encoder"), type) + MemoryEstimate.weights(unet, type)
                    + MemoryEstimate.weights(sd.require("vae"), type)
                    + (image.extra() == null ? 0 : MemoryEstimate.weights(image.extra(), type));
            stages.add(new MemoryEstimate.Stage("frame-wise generation", imageWeights,
                    MemoryEstimate.imageUnet(imageRows(), h, w, imageC0), imageRows()));
        }
        long videoWeights = 0;
        if (videoC0 > 0) {
            try (Checkpoint c = m.requireVideo().openUnetWeights()) {
                videoWeights = MemoryEstimate.weights(c, type);
            }
        }
        long videoCall = videoC0 == 0 ? 0 : MemoryEstimate.videoUnet(frames, h, w, videoC0);
        if (plan.strategy() == Strategy.SEQUENTIAL) {
            int c0 = UNet2DConditionConfig.read(m.imageUnet()).blockOutChannels()[0];
            stages.add(new MemoryEstimate.Stage("inversion (image)", MemoryEstimate.weights(m.imageUnet(), type),
                    MemoryEstimate.imageUnet(frames, h, w, c0), frames));
        }
        if (videoC0 > 0 && (plan.strategy() == Strategy.ALTERNATE || plan.strategy() == Strategy.FUSE)) {
            stages.add(new MemoryEstimate.Stage("joint denoising", imageWeights + videoWeights,
                    Math.max(MemoryEstimate.imageUnet(imageRows(), h, w, imageC0), videoCall), frames));
        } else if (videoC0 > 0) {
            stages.add(new MemoryEstimate.Stage("temporal smoothing", videoWeights, videoCall, frames));
        }
        return stages;
    }

    /** Frames of one UNet call: the video's, or one window's when the video is longer. */
    private int framesPerCall() {
        return plan.windows().isWholeVideo() ? plan.frames() : Math.min(plan.frames(), plan.windows().length());
    }

    /** Rows of one image-UNet call in the frame stage: a batch's frames x guidance branches, at most max-batch. */
    private int imageRows() {
        int all = framesPerCall() * (plan.frameSettings().guidanceScale() > 1 ? 2 : 1);
        int max = plan.frameSettings().maxBatch();
        return max <= 0 ? all : Math.min(max, all);
    }

    /** Refuses a run whose estimated peak exceeds the machine's memory, with what to change. */
    private void memory(List<MemoryEstimate.Stage> stages, MemoryEstimate.Machine machine) {
        MemoryEstimate.Stage peak = MemoryEstimate.peak(stages);
        String estimate = "about " + MemoryEstimate.gb(peak.total()) + " at its peak (" + peak.name() + ": "
                + MemoryEstimate.gb(peak.weights()) + " of weights, " + MemoryEstimate.gb(peak.activations())
                + " for one call of " + peak.rows() + " row(s) of " + plan.width() + "x" + plan.height() + ")";
        if (peak.total() <= machine.total()) {
            if (peak.total() > machine.available()) {
                warnings.add("the run needs " + estimate + "; " + MemoryEstimate.gb(machine.available())
                        + " of this machine's " + MemoryEstimate.gb(machine.total()) + " are free now");
            }
            return;
        }
        problems.add("the run needs " + estimate + ", more than this machine's " + MemoryEstimate.gb(machine.total())
                + "; " + hint(stages, peak, machine));
    }

    private String hint(List<MemoryEstimate.Stage> stages, MemoryEstimate.Stage peak, MemoryEstimate.Machine machine) {
        boolean othersFit = stages.stream().filter(s -> s != peak).allMatch(s -> s.total() <= machine.total());
        if (peak.name().equals("frame-wise generation") && peak.rows() > 1 && othersFit) {
            long perRow = peak.activations() / peak.rows();
            long room = machine.total() - peak.total() + peak.activations();
            int rows = perRow == 0 ? peak.rows() : (int) Math.min(peak.rows(), room / perRow);
            if (rows >= 1) {
                return "pass --max-batch " + rows + " to run the image model on fewer rows per call";
            }
        }
        return "make the frames smaller (width and height) or fewer (video_length)"
                + (peak.name().equals("frame-wise generation") && peak.rows() > 1 ? ", or pass --max-batch 1" : "");
    }

    /** Runs {@code check}; a failure of ours becomes a problem named after {@code what}. */
    private <T> Optional<T> attempt(String what, Check<T> check) {
        try {
            return Optional.ofNullable(check.run());
        } catch (IOException e) {
            problems.add(what + ": " + IoErrors.describe(e));
        } catch (UncheckedIOException e) {
            problems.add(what + ": " + IoErrors.describe(e.getCause()));
        } catch (IllegalArgumentException | WeightsException e) {
            problems.add(what + ": " + e.getMessage());
        }
        return Optional.empty();
    }
}
