package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;

import org.bivdiff.bivdiff.BivdiffPipeline;
import org.bivdiff.bivdiff.FrameGenerator;
import org.bivdiff.bivdiff.MemoryEstimate;
import org.bivdiff.bivdiff.Preflight;
import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.FolderLock;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.media.VideoGrid;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.pipelines.Cancellation;
import org.bivdiff.pipelines.ProgressListener;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bivdiff run CONFIG.yaml}: one BIVDiff run into its output folder. Everything is checked before the
 * first heavy step ({@link Preflight}); the folder is then locked for the run ({@link FolderLock}) and gets
 * {@code run.json} (every parameter, the model folders, per-stage times, and a status that says
 * {@code complete} only at the very end, {@code failed} or {@code interrupted} with the stage otherwise,
 * see {@link RunRecord}), the stage results under {@code stages/} for {@code --resume}, and the videos, each
 * written through a temporary file so none looks complete before it is.
 */
@Command(name = "run", sortOptions = false, description = {
        "one BIVDiff run: frame-wise generation, mixed inversion, temporal smoothing (docs/config.md); BIVDiff's "
                + "official configs/*.yaml are accepted as they are; sizes are rounded down to a multiple of 32, as "
                + "BIVDiff does"})
final class RunCommand implements CliCommand {

    @Parameters(index = "0", paramLabel = "CONFIG.yaml", description = "the run config (ours, or an official one)")
    Path configFile;

    /** Options that change the config. */
    static final class ConfigOptions {
        @Option(names = "--set", paramLabel = "KEY=VALUE", arity = "1..*", order = 1,
                description = "override a config key (dotted for nested keys: edit.type=replace)")
        List<String> set = new ArrayList<>();

        @Option(names = "--checkpoints", paramLabel = "DIR|hub", order = 2,
                description = "what an official config's ./checkpoints stands for (hub: each model from its Hugging "
                        + "Face repository)")
        String checkpoints;

        @Option(names = "--download", order = 3,
                description = "pull the models the Hugging Face cache lacks (models.* take folders or model ids)")
        boolean download;
    }

    /** Options of the run itself. */
    static final class RunOptions {
        @Option(names = "--resume", order = 10, description = "continue an interrupted run in its output folder")
        boolean resume;

        @Option(names = "--max-batch", paramLabel = "N", order = 11,
                description = "rows per image-UNet call in the frame stage (default 2 on the CPU; on CUDA 0 = all at "
                        + "once, halved while the GPU runs out of memory)")
        Integer maxBatch;
    }

    @ArgGroup(validate = false, heading = "%nConfig:%n", order = 1)
    ConfigOptions config = new ConfigOptions();

    @ArgGroup(validate = false, heading = "%nRun:%n", order = 2)
    RunOptions run = new RunOptions();

    @ArgGroup(validate = false, heading = "%nEngine:%n", order = 100)
    EngineFlags engine = new EngineFlags();

    @Mixin
    CommonOptions common;

    /** The image model's frames, as a video and a frame folder. */
    static final String IDM_VIDEO = "video_by_idm";
    /** Where the lossless frames of each video go: {@code frames/<video name>/00000.png, ...}. */
    static final String FRAMES = "frames/";
    /** Longer videos get a still filmstrip ({@code grid.png}) instead of an animated side-by-side grid. */
    static final int ANIMATED_GRID_MAX_FRAMES = 16;
    /** Frames per clip in the filmstrip. */
    static final int FILMSTRIP_FRAMES = 8;

    private RunCommand() {
    }

    @Override
    public int call(PrintStream out, PrintStream err) throws Exception {
        ProgressBar progress = ProgressBar.stderr();
        RunConfig config = RunConfigReader.read(configFile, this.config.set, this.config.checkpoints,
                ModelsCommand.locator(this.config.download, progress), m -> progress.note("warning: " + m));
        Engine engine = new Engine(this.engine.options());
        int maxBatch = run.maxBatch != null ? run.maxBatch
                : FrameGenerator.defaultMaxBatch(engine.options().provider());
        return execute(config, run.resume, maxBatch, engine, out, progress, otherFolder(config), true);
    }

    /** Runs {@code config} (as {@code bivdiff run} does, but without signal handling); returns the exit code. */
    static int execute(RunConfig config, boolean resume, int maxBatch, Engine engine, PrintStream out,
                       ProgressBar progress) throws Exception {
        return execute(config, resume, maxBatch, engine, out, progress, otherFolder(config), false);
    }

    /**
     * Runs {@code config}; returns the exit code. Shared with {@code bivdiff demo}.
     *
     * @param otherFolder how to choose another output folder, for the hint when the folder holds a run
     * @param onSignal    whether Ctrl-C (or another signal ending the process) stops the run and records it as
     *                    {@code interrupted}
     */
    static int execute(RunConfig config, boolean resume, int maxBatch, Engine engine, PrintStream out,
                       ProgressBar progress, String otherFolder, boolean onSignal) throws Exception {
        // 1. Check everything that can be checked before the first heavy step: the config, the model folders,
        //    the videos, the sizes against the machine's memory
        Path folder = config.output().folder();
        List<String> problems = new ArrayList<>(config.problems());
        if (problems.isEmpty()) {
            checkOutputFolder(folder, resume, otherFolder);
            config.warnings().forEach(w -> progress.note("warning: " + w));
            try {
                Preflight.Report report = Preflight.check(VideoJob.plan(config, maxBatch, engine), engine,
                        MemoryEstimate.Machine.read());
                problems.addAll(report.problems());
                report.warnings().forEach(w -> progress.note("warning: " + w));
            } catch (IOException e) {
                problems.add(Main.message(e));
            }
        }
        if (!problems.isEmpty()) {
            throw new UsageException("the run cannot start:\n  " + String.join("\n  ", problems));
        }
        // 2. Take the output folder: one run at a time
        try (FolderLock lock = lock(folder, otherFolder)) {
            lock.takenOver().ifPresent(h -> progress.note("took over the lock of " + folder + " left by a run "
                    + "that ended without releasing it (" + h + ")"));
            checkRunJson(folder, resume, otherFolder);
            RunFolder run = new RunFolder(folder);
            RunRecord record = new RunRecord(run, config);
            Cancellation cancellation = new Cancellation();
            Thread hook = new Thread(() -> {
                cancellation.cancel();
                try {
                    record.interrupted("stopped by a signal (Ctrl-C, or kill)");
                } catch (IOException e) {
                    System.err.println("bivdiff: could not record the interruption: " + Main.message(e));
                }
            }, "bivdiff-interrupt");
            if (onSignal) {
                Runtime.getRuntime().addShutdownHook(hook);
            }
            try {
                return stages(config, maxBatch, engine, out, progress, run, record, cancellation);
            } catch (CancellationException e) {
                record.interrupted(e.getMessage());
                throw e;
            } catch (Exception | Error e) {
                record.failed(Main.message(e));
                throw e;
            } finally {
                if (onSignal) {
                    removeHook(hook);
                }
            }
        }
    }

    /** Steps 3 to 5 of a run, in a locked folder whose run.json says running. */
    private static int stages(RunConfig config, int maxBatch, Engine engine, PrintStream out, ProgressBar progress,
                              RunFolder run, RunRecord record, Cancellation cancellation) throws Exception {
        // 3. Read the videos, compute conditions and masks
        record.stage("reading the videos");
        VideoJob.Prepared prepared = VideoJob.prepare(config, engine, progress);
        record.video(prepared.source().dim(0), prepared.fps());
        writeVideo(run, "source.gif", ImageTensors.signedToPilTruncated(prepared.source()), prepared.fps());
        if (prepared.condition() != null) {
            writeVideo(run, "condition.gif", ImageTensors.toPilRounded(prepared.condition()), prepared.fps());
        }
        // 4. The three stages
        ProgressListener tracked = new ProgressListener() {
            @Override
            public void onStep(Progress p) {
                try {
                    record.stage(p.stage());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                progress.onStep(p);
            }

            @Override
            public void onLoad(String model, Duration elapsed) {
                progress.onLoad(model, elapsed);
            }
        };
        BivdiffPipeline pipeline = new BivdiffPipeline(VideoJob.models(config), engine);
        BivdiffPipeline.Result result = pipeline.run(VideoJob.request(config, prepared, engine, maxBatch, tracked,
                cancellation), run);
        // 5. Outputs
        record.stage("writing the videos");
        List<Image8> frames = ImageTensors.toPilRounded(ImageTensors.framesOf(result.video(), 0));
        String name = config.bridging().strategy().videoName();
        List<Image8> idm = result.idmFrames().map(ImageTensors::signedToPilTruncated).orElse(List.of());
        if (!idm.isEmpty()) {
            writeVideo(run, IDM_VIDEO + ".gif", idm, prepared.fps());
            run.writeFrames(FRAMES + IDM_VIDEO, idm);
        }
        writeVideo(run, name + ".gif", frames, prepared.fps());
        writeVideo(run, name + ".mp4", frames, prepared.fps());
        run.writeFrames(FRAMES + name, frames);
        VideoGrid grid = VideoGrid.row().add(ImageTensors.signedToPilTruncated(prepared.source()));
        if (prepared.condition() != null) {
            grid.add(ImageTensors.toPilRounded(prepared.condition()));
        }
        if (!idm.isEmpty()) {
            grid.add(idm);
        }
        grid.add(frames);
        if (frames.size() > ANIMATED_GRID_MAX_FRAMES) {
            run.writeAtomically("grid.png", file -> ImageFiles.write(grid.filmstrip(FILMSTRIP_FRAMES), file));
        } else {
            run.writeAtomically("grid.gif", file -> grid.write(file, prepared.fps()));
        }
        record.complete(result.stageTimes(), result.resumed());
        out.println("wrote " + run.resolve(name + ".gif") + " and " + run.resolve(name + ".mp4")
                + (result.resumed().isEmpty() ? "" : " (resumed: " + String.join(", ", result.resumed()) + ")"));
        return 0;
    }

    private static FolderLock lock(Path folder, String otherFolder) throws IOException, UsageException {
        try {
            return FolderLock.acquire(folder);
        } catch (FolderLock.BusyException e) {
            throw busy(folder, e.holder(), otherFolder);
        }
    }

    private static UsageException busy(Path folder, String holder, String otherFolder) {
        return new UsageException("the output folder " + folder + " is in use by another run (" + holder
                + "); wait for it to end, or choose another output folder (" + otherFolder + ")");
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: the record says interrupted
        }
    }

    /** Refuses a folder another run holds or has used (unless resuming it). */
    private static void checkOutputFolder(Path folder, boolean resume, String otherFolder)
            throws IOException, UsageException {
        Optional<String> holder = FolderLock.holder(folder);
        if (holder.isPresent()) {
            throw busy(folder, holder.get(), otherFolder);
        }
        checkRunJson(folder, resume, otherFolder);
    }

    private static void checkRunJson(Path folder, boolean resume, String otherFolder) throws UsageException {
        boolean used = Files.exists(folder.resolve("run.json"));
        if (resume && !Files.isRegularFile(folder.resolve("run.json"))) {
            throw new UsageException("--resume: " + folder + " holds no run to resume (no run.json)");
        }
        if (!resume && used) {
            throw new UsageException("the output folder " + folder + " holds a run already; pass --resume to continue "
                    + "it, or choose another output folder (" + otherFolder + ")");
        }
    }

    /** How to choose another output folder in {@code config}'s format: {@code --set output=DIR} or its official key. */
    private static String otherFolder(RunConfig config) {
        return "--set " + config.output().key() + "=DIR";
    }

    private static void writeVideo(RunFolder run, String name, List<Image8> frames, double fps) throws IOException {
        run.writeAtomically(name, file -> VideoWriter.write(frames, file, fps));
    }
}
