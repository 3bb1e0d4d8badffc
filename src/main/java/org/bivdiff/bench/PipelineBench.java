package org.bivdiff.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.bivdiff.bivdiff.Bivdiff;
import org.bivdiff.bivdiff.BivdiffPipeline;
import org.bivdiff.bivdiff.FrameGenerator;
import org.bivdiff.bivdiff.InversionAndSmoothing;
import org.bivdiff.bivdiff.StageStore;
import org.bivdiff.bivdiff.Task;
import org.bivdiff.bivdiff.TemporalWindows;
import org.bivdiff.bivdiff.VideoModel;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Provider;
import org.bivdiff.io.MemoryStats;
import org.bivdiff.media.annotators.Canny;
import org.bivdiff.pipelines.Cancellation;
import org.bivdiff.pipelines.ProgressListener;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.tensor.Tensor;

/**
 * One whole BIVDiff run on full-size random-weight models, as {@code bivdiff run} does it for the
 * ControlNet-canny task: frame-wise generation with SD 1.5 + ControlNet, mixed inversion with SD 1.5
 * and ZeroScope's UNet3D (ratio 0.5), temporal smoothing with the UNet3D, on a synthetic clip. It
 * measures the wall time, the pipeline's own stage times, the process's resident peak ({@code VmHWM}),
 * per phase between progress events the highest sampled resident size ({@link RssTimeline}), per stage the
 * load and network time beside the wall time ({@link StageTable}), and the other processes' CPU time
 * ({@link OtherCpu}), which says whether the figures shared the machine.
 * Meant for a fresh JVM ({@link PresetProcess}), so the peak is the run's.
 */
public final class PipelineBench {

    /**
     * A run's size.
     *
     * @param frames   frames of the clip
     * @param side     frame width and height in pixels (latents are 8x smaller)
     * @param steps    DDIM steps of every stage
     * @param maxBatch most rows per UNet call in the frame stage (0: all frames x guidance branches at once;
     *                 {@link #PROVIDER_DEFAULT}: {@link FrameGenerator#defaultMaxBatch} of the engine's provider)
     * @param windows  the video model's temporal windows (and the frame stage's batches)
     */
    public record Spec(int frames, int side, int steps, int maxBatch, TemporalWindows windows) {

        /** {@link #maxBatch()} for the provider's default. */
        public static final int PROVIDER_DEFAULT = -1;

        public Spec {
            if (frames < 1 || side < 64 || side % 64 != 0 || steps < 1 || maxBatch < PROVIDER_DEFAULT
                    || windows == null) {
                throw new IllegalArgumentException("bad pipeline spec " + frames + " frames, " + side + " px, " + steps
                        + " steps, max batch " + maxBatch + ", " + windows);
            }
        }

        /** The whole video at once, as BIVDiff runs it. */
        public Spec(int frames, int side, int steps, int maxBatch) {
            this(frames, side, steps, maxBatch, TemporalWindows.WHOLE_VIDEO);
        }

        /** This spec with the provider's default batch filled in. */
        public Spec resolve(Provider provider) {
            return maxBatch != PROVIDER_DEFAULT ? this
                    : new Spec(frames, side, steps, FrameGenerator.defaultMaxBatch(provider), windows);
        }

        public String describe() {
            return frames + " frames " + side + "x" + side + ", " + steps + " steps"
                    + (maxBatch == 0 ? "" : ", max batch " + maxBatch)
                    + (windows.isWholeVideo() ? "" : ", windows of " + windows.length() + " every " + windows.stride());
        }
    }

    /**
     * A memory phase: what ran since the previous phase ended.
     *
     * @param label  e.g. {@code up to controlnet 10/10}
     * @param maxRss highest sampled resident size, bytes
     * @param endSeconds when the phase ended, seconds from the start of the run
     */
    public record Phase(String label, long maxRss, double endSeconds) {
    }

    /**
     * The figures of one run.
     *
     * @param frames       frames of the run's clip
     * @param stageSeconds the pipeline's stage times, then {@code total}
     * @param peakRss      the process's resident high-water mark ({@code VmHWM}, or the highest sample if that is
     *                     higher), bytes, or -1
     * @param phases       the resident peak between progress events
     * @param stages       each stage's wall, load and network time ({@link StageTable})
     * @param otherCpu     other processes' CPU time during the run, or null where it cannot be measured
     */
    public record Run(String preset, String spec, int frames, Map<String, Double> stageSeconds, long peakRss,
                      List<Phase> phases, List<StageTable.Row> stages, OtherCpu.Usage otherCpu) {
    }

    private static final String PROMPT = "a red square sliding past a blue ball";
    private static final long SEED = 42;

    private PipelineBench() {
    }

    /** Runs BIVDiff once at {@code spec}; progress lines go to {@code log}. */
    public static Run run(String preset, Spec requested, PipelineFolders folders, Engine engine, Consumer<String> log)
            throws IOException {
        Spec spec = requested.resolve(engine.options().provider());
        Tensor source = SyntheticClip.movingSquare(spec.frames(), spec.side());              // (F, 3, H, W) in [-1, 1]
        Tensor condition = Canny.controlImages(source, Canny.DEFAULT_LOW, Canny.DEFAULT_HIGH);
        InversionAndSmoothing.Models models = InversionAndSmoothing.Models.ofPipelines(folders.stableDiffusion(),
                VideoModel.Diffusers.ofPipeline(folders.video()));
        Map<String, Double> seconds = new LinkedHashMap<>();
        StageTable table = new StageTable();
        Engine observed = engine.observed(table);
        var cpu = OtherCpu.sample();
        long t0 = System.nanoTime();
        try (RssTimeline timeline = new RssTimeline()) {
            ProgressListener progress = new ProgressListener() {
                @Override
                public void onStep(Progress p) {
                    table.onStep(p);
                    if (p.step() == p.total()) {
                        timeline.mark("up to " + p.stage() + " " + p.step() + "/" + p.total());
                    }
                    log.accept(String.format(Locale.ROOT, "%s %d/%d (%.1f s)", p.stage(), p.step(), p.total(),
                            p.elapsed().toNanos() / 1e9));
                }

                @Override
                public void onLoad(String model, Duration elapsed) {
                    log.accept(String.format(Locale.ROOT, "loading %s ... %.1f s", model, elapsed.toNanos() / 1e9));
                }
            };
            // the reference harness's prompts: no quality tags, no negative prompt
            var request = Bivdiff.task(Task.CONTROLNET).stableDiffusion(folders.stableDiffusion())
                    .network(folders.controlNet()).prompt(PROMPT).promptSuffix("").negativePrompt("")
                    .steps(spec.steps()).guidanceScale(7.5).mixingRatio(0.5).seed(SEED).maxBatch(spec.maxBatch())
                    .options(InversionAndSmoothing.Options.BIVDIFF.withWindows(spec.windows()))
                    .events(RunEvents.of(progress, Cancellation.NONE)).source(source).condition(condition).request(observed);
            BivdiffPipeline.Result result = new BivdiffPipeline(models, observed).run(request, StageStore.NONE);
            timeline.mark("after the last step (VAE decode)");
            result.stageTimes().forEach((k, v) -> seconds.put(k, v.toNanos() / 1e9));
            seconds.put("total", (System.nanoTime() - t0) / 1e9);
            List<Phase> phases = timeline.phases();
            // The kernel's per-thread RSS counters lag by a few pages, so a sample can top VmHWM slightly.
            long peak = Math.max(MemoryStats.peak(), phases.stream().mapToLong(Phase::maxRss).max().orElse(-1));
            return new Run(preset, spec.describe(), spec.frames(), seconds, peak, phases, table.rows(t0),
                    OtherCpu.since(cpu).orElse(null));
        }
    }
}
