package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.bivdiff.bivdiff.BivdiffPipeline;
import org.bivdiff.bivdiff.FrameGenerator;
import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.graph.Engine;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.media.VideoGrid;
import org.bivdiff.media.VideoWriter;
import org.bivdiff.pipelines.Cancellation;

/**
 * {@code bivdiff run CONFIG.yaml}: one BIVDiff run into its output folder. The folder gets
 * {@code run.json} (every parameter, the model folders, per-stage times, and a status that says
 * {@code complete} only at the very end), the stage results under {@code stages/} for {@code --resume},
 * and the videos, each written through a temporary file so none looks complete before it is.
 */
final class RunCommand {

    static final String USAGE = """
              run CONFIG.yaml [--set KEY=VALUE ...] [--checkpoints DIR|hub] [--download] [--resume] [--max-batch N]
                    [--provider cpu|cuda] [--threads N] [--session-cache DIR]
                    one BIVDiff run: frame-wise generation, mixed inversion, temporal smoothing (docs/config.md);
                    BIVDiff's official configs/*.yaml are accepted as they are, with --checkpoints DIR standing
                    for their ./checkpoints folder (hub: each model from its Hugging Face repository); models.*
                    take folders or model ids in the Hugging Face cache, --download pulls the ones it lacks;
                    --resume continues an interrupted run in its output folder;
                    --max-batch N: rows per image-UNet call in the frame stage (default 2, 0 = all at once)
            """;

    private static final Set<String> OPTIONS = EngineFlags.with(Set.of("set", "checkpoints", "download", "resume",
            "max-batch"));
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunCommand() {
    }

    static int run(List<String> words, PrintStream out) throws Exception {
        if (words.isEmpty() || words.getFirst().startsWith("--")) {
            throw new UsageException("run needs a config file: bivdiff run CONFIG.yaml [options]");
        }
        Args args = Args.parse(words.subList(1, words.size())).allow(OPTIONS);
        ProgressBar progress = ProgressBar.stderr();
        RunConfig config = RunConfigReader.read(Path.of(words.getFirst()), args.all("set"),
                args.one("checkpoints", null), ModelsCommand.locator(args.has("download"), progress));
        Engine engine = new Engine(EngineFlags.parse(args));
        return execute(config, args.has("resume"), args.integer("max-batch", FrameGenerator.DEFAULT_MAX_BATCH),
                engine, out, progress);
    }

    /** Runs {@code config}; returns the exit code. Shared with {@code bivdiff demo}. */
    static int execute(RunConfig config, boolean resume, int maxBatch, Engine engine, PrintStream out,
                       ProgressBar progress) throws Exception {
        // 1. Check everything that can be checked before loading a model
        List<String> problems = config.problems();
        if (!problems.isEmpty()) {
            throw new UsageException("the run cannot start:\n  " + String.join("\n  ", problems));
        }
        Path folder = config.output();
        checkOutputFolder(folder, resume, config.outputKey());
        // 2. Read the videos, compute conditions and masks (a bad video fails here, before the run folder exists)
        VideoJob.Prepared prepared = VideoJob.prepare(config, engine, progress);
        RunFolder run = new RunFolder(folder);
        Instant started = Instant.now();
        writeRunJson(run, config, "running", started, Map.of(), Set.of());
        writeVideo(run, "source.gif", ImageTensors.signedToPilTruncated(prepared.source()), config.fps());
        if (prepared.condition() != null) {
            writeVideo(run, "condition.gif", ImageTensors.toPilRounded(prepared.condition()), config.fps());
        }
        // 3. The three stages
        BivdiffPipeline pipeline = new BivdiffPipeline(VideoJob.models(config), engine);
        BivdiffPipeline.Result result = pipeline.run(VideoJob.request(config, prepared, engine, maxBatch, progress,
                new Cancellation()), run);
        // 4. Outputs
        List<Image8> frames = ImageTensors.toPilRounded(ImageTensors.framesOf(result.video(), 0));
        String name = switch (config.strategy()) {
            case SEQUENTIAL -> "video_by_bivdiff";
            case IDM_ONLY -> "video_by_idm_only";
            case VDM_ONLY -> "video_by_vdm_only";
            case ALTERNATE -> "video_by_alternate";
            case FUSE -> "video_by_fuse";
        };
        List<Image8> idm = result.idmFrames().map(ImageTensors::signedToPilTruncated).orElse(List.of());
        if (!idm.isEmpty()) {
            writeVideo(run, "video_by_idm.gif", idm, config.fps());
        }
        writeVideo(run, name + ".gif", frames, config.fps());
        writeVideo(run, name + ".mp4", frames, config.fps());
        VideoGrid grid = VideoGrid.row().add(ImageTensors.signedToPilTruncated(prepared.source()));
        if (prepared.condition() != null) {
            grid.add(ImageTensors.toPilRounded(prepared.condition()));
        }
        if (!idm.isEmpty()) {
            grid.add(idm);
        }
        grid.add(frames);
        run.writeAtomically("grid.gif", file -> grid.write(file, config.fps()));
        writeRunJson(run, config, "complete", started, result.stageTimes(), result.resumed());
        out.println("wrote " + folder.resolve(name + ".gif") + " and " + folder.resolve(name + ".mp4")
                + (result.resumed().isEmpty() ? "" : " (resumed: " + String.join(", ", result.resumed()) + ")"));
        return 0;
    }

    private static void checkOutputFolder(Path folder, boolean resume, String outputKey)
            throws IOException, UsageException {
        boolean used = Files.exists(folder.resolve("run.json"));
        if (resume && !Files.isRegularFile(folder.resolve("run.json"))) {
            throw new UsageException("--resume: " + folder + " holds no run to resume (no run.json)");
        }
        if (!resume && used) {
            throw new UsageException("the output folder " + folder + " holds a run already; pass --resume to continue "
                    + "it, or choose another output (--set " + outputKey + "=...)");
        }
    }

    private static void writeVideo(RunFolder run, String name, List<Image8> frames, double fps) throws IOException {
        run.writeAtomically(name, file -> VideoWriter.write(frames, file, fps));
    }

    private static void writeRunJson(RunFolder run, RunConfig config, String status, Instant started,
                                     Map<String, Duration> times, Set<String> resumed) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", status);
        json.put("started", started.toString());
        if (status.equals("complete")) {
            json.put("finished", Instant.now().toString());
        }
        json.put("config", configJson(config));
        Map<String, Double> seconds = new LinkedHashMap<>();
        times.forEach((k, v) -> seconds.put(k, v.toNanos() / 1e9));
        json.put("stage_seconds", seconds);
        json.put("resumed_stages", new ArrayList<>(resumed));
        run.writeAtomically("run.json", file -> JSON.writeValue(file.toFile(), json));
    }

    /** Every component of a record (the run config and its nested records), paths and enums as text. */
    private static Map<String, Object> configJson(Record r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (var component : r.getClass().getRecordComponents()) {
            try {
                Object v = component.getAccessor().invoke(r);
                m.put(component.getName(), v instanceof Record nested ? configJson(nested)
                        : v instanceof Path || v instanceof Enum<?> ? String.valueOf(v) : v);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }
}
