package org.bivdiff.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntConsumer;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Tensor;
import org.bivdiff.media.Image8;
import org.bivdiff.media.Resize;
import org.bivdiff.media.VideoSampler;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.media.annotators.ConditionFrames;
import org.bivdiff.media.annotators.MidasDetector;
import org.bivdiff.models.dpt.DptForDepthEstimation;
import org.bivdiff.pipelines.ProgressListener;

/**
 * {@code bivdiff annotate}: the condition video a run computes from a clip (Canny edges or MiDaS depth), sampled
 * as the run samples the clip, written as a video or GIF.
 */
final class AnnotateCommand {

    static final String USAGE = """
              annotate --condition canny|depth VIDEO --out FILE [--depth-model DIR_OR_PT] [--video-length N|all (8)]
                    [--frame-rate N (4; 0 spreads the frames)] [--width W (512)] [--height H (512)]
                    [--condition-input clean|reference-wrap] [--fps F (the source's)] [--provider cpu|cuda] [--threads N]
                    the condition frames BIVDiff computes for a clip (FILE: .gif or .mp4), as a run with the
                    same settings does; depth needs --depth-model (a DPT-Hybrid transformers folder or MiDaS' .pt)
            """;

    private static final Set<String> OPTIONS = EngineFlags.with(Set.of("condition", "out", "depth-model",
            "video-length", "frame-rate", "width", "height", "condition-input", "fps"));

    private AnnotateCommand() {
    }

    static int run(List<String> words, PrintStream out, ProgressBar progress) throws Exception {
        String video = null;
        List<String> rest = words;
        if (!words.isEmpty() && !words.getFirst().startsWith("--")) {
            video = words.getFirst();
            rest = words.subList(1, words.size());
        }
        Args args = Args.parse(rest).allow(OPTIONS);
        List<String> condition = args.all("condition");
        if (video == null && condition.size() == 2) {
            video = condition.get(1);
            condition = condition.subList(0, 1);
        }
        if (video == null || condition.size() != 1) {
            throw new UsageException("annotate needs a condition and a video: bivdiff annotate --condition canny|depth "
                    + "VIDEO --out FILE");
        }
        String kind = condition.getFirst().toLowerCase(Locale.ROOT);
        if (!kind.equals("canny") && !kind.equals("depth")) {
            throw new UsageException("--condition " + condition.getFirst() + ": annotate computes canny or depth");
        }
        String outFile = args.one("out", null);
        if (outFile == null) {
            throw new UsageException("annotate needs --out FILE (.gif or .mp4)");
        }
        ConditionFrames.FrameInput input = switch (args.one("condition-input", "clean")) {
            case "clean" -> ConditionFrames.FrameInput.CLEAN;
            case "reference-wrap" -> ConditionFrames.FrameInput.REFERENCE_WRAP;
            default -> throw new UsageException("--condition-input takes clean or reference-wrap, got "
                    + args.one("condition-input", ""));
        };
        String depthModel = args.one("depth-model", null);
        if (kind.equals("depth") && depthModel == null) {
            throw new UsageException("--condition depth needs --depth-model (a DPT-Hybrid transformers folder such as "
                    + "Intel/dpt-hybrid-midas, or dpt_hybrid-midas-501f0c75.pt from lllyasviel/Annotators)");
        }
        int videoLength = "all".equals(args.one("video-length", null)) ? VideoSampler.ALL_FRAMES
                : args.integer("video-length", 8);
        int frameRate = args.integer("frame-rate", 4);
        // as a run: sizes rounded down to multiples of 32
        int width = Resize.roundDown(args.integer("width", 512), 32);
        int height = Resize.roundDown(args.integer("height", 512), 32);
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
            Engine engine = new Engine(EngineFlags.parse(args));
            try (DptForDepthEstimation dpt = DptForDepthEstimation.load(Path.of(depthModel), engine)) {
                conditions = ConditionFrames.depth(frames, input, new MidasDetector(dpt), onFrame);
            }
        }
        Path file = Path.of(outFile);
        VideoWriter.write(conditions, file, args.number("fps", plan.fps(VideoJob.REFERENCE_FPS)));
        out.println("wrote " + file + " (" + total + " " + kind + " frames, " + width + "x" + height + ")");
        return 0;
    }
}
