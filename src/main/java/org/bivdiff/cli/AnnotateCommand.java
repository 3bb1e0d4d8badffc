package org.bivdiff.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

import org.bivdiff.cli.config.FrameSize;
import org.bivdiff.graph.Engine;
import org.bivdiff.media.Image8;
import org.bivdiff.media.VideoSampler;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.media.annotators.ConditionFrames;
import org.bivdiff.media.annotators.MidasDetector;
import org.bivdiff.models.dpt.DptForDepthEstimation;
import org.bivdiff.pipelines.ProgressListener;
import org.bivdiff.tensor.Tensor;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bivdiff annotate}: the condition video a run computes from a clip (Canny edges or MiDaS depth), sampled
 * as the run samples the clip, written as a video or GIF.
 */
@Command(name = "annotate", sortOptions = false, description = {
        "the condition frames BIVDiff computes for a clip (FILE: .gif or .mp4), as a run with the same settings "
                + "does; depth needs --depth-model (a DPT-Hybrid transformers folder or MiDaS' .pt)"})
final class AnnotateCommand implements CliCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "VIDEO", description = "the clip (a file or a frame folder)")
    String video;

    /** What to compute and where it goes. */
    static final class What {
        @Option(names = "--condition", paramLabel = "canny|depth", order = 1, description = "the annotator (required)")
        String condition;

        @Option(names = "--out", paramLabel = "FILE", order = 2, description = "the video to write: .gif or .mp4")
        String out;

        @Option(names = "--depth-model", paramLabel = "DIR_OR_PT", order = 3,
                description = "depth: a DPT-Hybrid transformers folder (Intel/dpt-hybrid-midas) or MiDaS' .pt")
        String depthModel;

        @Option(names = "--condition-input", paramLabel = "clean|reference-wrap", defaultValue = "clean", order = 4,
                description = "how the frames reach the annotator, as a run config's condition_input (default: "
                        + "${DEFAULT-VALUE})")
        String conditionInput;
    }

    /** How the clip is sampled, as a run samples it. */
    static final class Sampling {
        @Option(names = "--video-length", paramLabel = "N|all", defaultValue = "8", order = 10,
                description = "frames to sample (default: ${DEFAULT-VALUE})")
        String videoLength;

        @Option(names = "--frame-rate", paramLabel = "N", defaultValue = "4", order = 11,
                description = "take one source frame every N; 0 spreads the frames (default: ${DEFAULT-VALUE})")
        int frameRate;

        @Option(names = "--width", paramLabel = "W", defaultValue = "512", order = 12,
                description = "rounded down to a multiple of 32, as in runs (default: ${DEFAULT-VALUE})")
        int width;

        @Option(names = "--height", paramLabel = "H", defaultValue = "512", order = 13,
                description = "rounded down to a multiple of 32, as in runs (default: ${DEFAULT-VALUE})")
        int height;

        @Option(names = "--fps", paramLabel = "F", order = 14, description = "the written video's rate (default: the "
                + "source's for the sampled frames)")
        Double fps;
    }

    @ArgGroup(validate = false, heading = "%nCondition:%n", order = 1)
    What what = new What();

    @ArgGroup(validate = false, heading = "%nSampling:%n", order = 2)
    Sampling sampling = new Sampling();

    @ArgGroup(validate = false, heading = "%nEngine (depth):%n", order = 100)
    EngineFlags engine = new EngineFlags();

    @Mixin
    CommonOptions common;

    /** Where progress goes: stderr, or a test's bar. */
    private ProgressBar progress = ProgressBar.stderr();

    /** {@code bivdiff annotate WORDS...}, for tests: parsed as the command line is, then run. */
    static int run(List<String> words, PrintStream out, ProgressBar progress) throws Exception {
        AnnotateCommand c = Main.parse(new AnnotateCommand(), words);
        c.progress = progress;
        return c.call(out, System.err);
    }

    @Override
    public int call(PrintStream out, PrintStream err) throws Exception {
        if (video == null || what.condition == null) {
            throw new UsageException("annotate needs a condition and a video: bivdiff annotate --condition canny|depth "
                    + "VIDEO --out FILE");
        }
        String condition = what.condition;
        String kind = condition.toLowerCase(Locale.ROOT);
        if (!kind.equals("canny") && !kind.equals("depth")) {
            throw new UsageException("--condition " + condition + ": annotate computes canny or depth");
        }
        String outFile = what.out;
        if (outFile == null) {
            throw new UsageException("annotate needs --out FILE (.gif or .mp4)");
        }
        ConditionFrames.FrameInput input = switch (what.conditionInput) {
            case "clean" -> ConditionFrames.FrameInput.CLEAN;
            case "reference-wrap" -> ConditionFrames.FrameInput.REFERENCE_WRAP;
            default -> throw new UsageException("--condition-input takes clean or reference-wrap, got "
                    + what.conditionInput);
        };
        String depthModel = what.depthModel;
        if (kind.equals("depth") && depthModel == null) {
            throw new UsageException("--condition depth needs --depth-model (a DPT-Hybrid transformers folder such as "
                    + "Intel/dpt-hybrid-midas, or dpt_hybrid-midas-501f0c75.pt from lllyasviel/Annotators)");
        }
        int videoLength = "all".equals(sampling.videoLength) ? VideoSampler.ALL_FRAMES
                : integer("--video-length", sampling.videoLength);
        int frameRate = sampling.frameRate;
        // as a run: sizes rounded down to multiples of 32
        int width = FrameSize.round("--width", sampling.width, m -> progress.note("warning: " + m));
        int height = FrameSize.round("--height", sampling.height, m -> progress.note("warning: " + m));
        Path source = Path.of(video);
        VideoSampler.Plan plan;
        try {
            plan = VideoSampler.plan(source, videoLength, frameRate);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Tensor frames = plan.read(width, height);
        int total = frames.dim(0);
        Instant start = Instant.now();
        IntConsumer onFrame = n -> progress.onStep(new ProgressListener.Progress(kind, n, total, Double.NaN,
                Duration.between(start, Instant.now())));
        onFrame.accept(0);
        List<Image8> conditions;
        if (kind.equals("canny")) {
            conditions = ConditionFrames.canny(frames, input, 3, onFrame);
        } else {
            Engine engine = new Engine(this.engine.options());
            try (DptForDepthEstimation dpt = DptForDepthEstimation.load(Path.of(depthModel), engine)) {
                conditions = ConditionFrames.depth(frames, input, new MidasDetector(dpt), onFrame);
            }
        }
        Path file = Path.of(outFile);
        VideoWriter.write(conditions, file, sampling.fps != null ? sampling.fps : plan.fps(VideoJob.REFERENCE_FPS));
        out.println("wrote " + file + " (" + total + " " + kind + " frames, " + width + "x" + height + ")");
        return 0;
    }

    private static int integer(String option, String value) throws UsageException {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " takes an integer or all, got '" + value + "'");
        }
    }
}
