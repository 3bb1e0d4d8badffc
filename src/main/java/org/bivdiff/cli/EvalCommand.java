package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bivdiff.bivdiff.Strategy;
import org.bivdiff.evaluation.ClipMetrics;
import org.bivdiff.evaluation.LoveuTgveBenchmark;
import org.bivdiff.evaluation.ScoreTable;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.Spellings;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.media.VideoReader;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bivdiff eval}: CLIP textual alignment and frame consistency as the LOVEU-TGVE 2023 benchmark computes
 * them, with the consecutive-frames variant, for a run folder (its result and the image model's frames), for
 * videos with a prompt, or for a whole submission in the benchmark's layout. Prints the table and writes
 * {@code table.md}, {@code scores.csv} and {@code scores.json}.
 */
@Command(name = "eval", sortOptions = false, description = {
        "CLIP scores as LOVEU-TGVE 2023's run_eval.py computes them (textual alignment, frame consistency over all "
                + "frame pairs) and the consecutive-frames variant: of a run's result and its image-model frames, of "
                + "videos (files or frame folders) with one prompt, or of a LOVEU-TGVE submission "
                + "(<DIR>/<section>/<video>/<edit>/*.jpg, prompts from the benchmark's CSV); prints the table, writes "
                + "table.md, scores.csv, scores.json to --out"})
final class EvalCommand implements CliCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN_FOLDER", description = "a finished run's folder")
    Path runFolder;

    /** What to score, when not a run folder. */
    static final class Sources {
        @Option(names = "--video", paramLabel = "FILE", arity = "1..*", order = 1,
                description = "videos or frame folders, scored against --prompt")
        List<String> videos = new ArrayList<>();

        @Option(names = "--prompt", paramLabel = "TEXT", order = 2,
                description = "the prompt (with a run folder: instead of its video prompt)")
        String prompt;

        @Option(names = "--benchmark", paramLabel = "DIR", order = 3, description = "a LOVEU-TGVE submission")
        String benchmark;

        @Option(names = "--csv", paramLabel = "FILE", order = 4,
                description = "the benchmark's prompt table (LOVEU-TGVE-2023_Dataset.csv)")
        String csv;

        @Option(names = "--rows", paramLabel = "official|all", defaultValue = "official", order = 5,
                description = "all: for a table other than the official one (default: ${DEFAULT-VALUE})")
        String rows;
    }

    /** The scoring model and the output. */
    static final class Scoring {
        @ArgGroup(validate = false)
        ClipFlags clip = new ClipFlags();

        @Option(names = "--out", paramLabel = "DIR", order = 12,
                description = "default: RUN_FOLDER/eval, else outputs/eval-NAME")
        String out;
    }

    @ArgGroup(validate = false, heading = "%nWhat to score:%n", order = 1)
    Sources sources = new Sources();

    @ArgGroup(validate = false, heading = "%nScoring:%n", order = 2)
    Scoring scoring = new Scoring();

    @ArgGroup(validate = false, heading = "%nEngine:%n", order = 100)
    EngineFlags engine = new EngineFlags();

    @Mixin
    CommonOptions common;

    @Override
    public int call(PrintStream out, PrintStream err) throws Exception {
        ProgressBar progress = ProgressBar.stderr();
        Path clip = scoring.clip.folder();
        Path tokenizer = scoring.clip.tokenizerFolder();
        Job job;
        if (runFolder != null) {
            job = runFolderJob(runFolder);
        } else if (sources.benchmark != null) {
            job = benchmarkJob();
        } else if (!sources.videos.isEmpty()) {
            job = videoJob();
        } else {
            throw new UsageException("eval needs a run folder, --video FILE ... --prompt TEXT, or --benchmark DIR "
                    + "--csv FILE");
        }
        Engine engine = new Engine(this.engine.options());
        ScoreTable table = new ScoreTable(job.title(), clip.toString(), job.withMean());
        try (ClipMetrics metrics = ClipMetrics.load(clip, tokenizer, engine)) {
            metrics.scoreInto(table, job.videos(), progress);
        }
        out.print(table.text());
        table.write(job.out());
        out.println("wrote " + job.out().resolve("table.md") + ", scores.csv and scores.json");
        return 0;
    }

    /** What to score and where the files go. */
    private record Job(String title, List<ClipMetrics.Video> videos, Path out, boolean withMean) {
    }

    /** A run's result and, when it made them, the image model's frames, scored against the run's video prompt. */
    private Job runFolderJob(Path folder) throws IOException, UsageException {
        Path runJson = folder.resolve("run.json");
        if (!Files.isRegularFile(runJson)) {
            throw new UsageException(folder + " is not a run folder (no run.json)");
        }
        JsonNode run = new ObjectMapper().readTree(runJson.toFile());
        if (!"complete".equals(run.path("status").asText())) {
            throw new UsageException("the run in " + folder + " is not complete (status '" + run.path("status").asText()
                    + "'); finish it with bivdiff run --resume");
        }
        JsonNode config = run.path("config");
        // run.json holds the config's records (prompts.videoPrompt); runs recorded before them, the flat values
        JsonNode videoPrompt = config.path("prompts").path("videoPrompt");
        JsonNode strategyName = config.path("bridging").path("strategy");
        String prompt = sources.prompt != null ? sources.prompt
                : (videoPrompt.isMissingNode() ? config.path("videoPrompt") : videoPrompt).asText();
        Strategy strategy = Spellings.parse("strategy",
                (strategyName.isMissingNode() ? config.path("strategy") : strategyName).asText(), Strategy.class);
        List<ClipMetrics.Video> videos = new ArrayList<>();
        for (String name : List.of(strategy.videoName(), RunCommand.IDM_VIDEO)) {
            Path frames = folder.resolve(RunCommand.FRAMES + name);
            if (Files.isDirectory(frames)) {
                videos.add(frameFolder(name, prompt, frames));
            } else if (name.equals(strategy.videoName())) {
                throw new UsageException(folder + " has no " + RunCommand.FRAMES + name + "/ (the lossless frames runs "
                        + "write); score its video instead: bivdiff eval --video " + folder.resolve(name + ".mp4")
                        + " --prompt ...");
            }
        }
        return new Job("CLIP scores of " + folder, videos, outFolder(folder.resolve("eval")), false);
    }

    private static ClipMetrics.Video frameFolder(String name, String prompt, Path frames) {
        return new ClipMetrics.Video(name, Map.of(), prompt, frames.toString(), () -> VideoReader.readAll(frames));
    }

    /** Videos (files or frame folders), every frame, against one prompt. */
    private Job videoJob() throws UsageException {
        String prompt = sources.prompt;
        if (prompt == null) {
            throw new UsageException("--video needs --prompt TEXT, the prompt to score the videos against");
        }
        List<ClipMetrics.Video> videos = new ArrayList<>();
        for (String v : sources.videos) {
            Path file = Path.of(v);
            if (!Files.exists(file)) {
                throw new UsageException("--video " + v + ": no such file or folder");
            }
            videos.add(new ClipMetrics.Video(file.getFileName().toString(), Map.of(), prompt, file.toString(),
                    () -> VideoReader.readAll(file)));
        }
        if (videos.isEmpty()) {
            throw new UsageException("--video needs at least one file or frame folder");
        }
        String first = videos.getFirst().name();
        int dot = first.lastIndexOf('.');
        return new Job("CLIP scores", videos, outFolder(Path.of("outputs", "eval-"
                + (dot > 0 ? first.substring(0, dot) : first))), videos.size() > 1);
    }

    /** A LOVEU-TGVE submission, every edited video against its edited prompt. */
    private Job benchmarkJob() throws IOException, UsageException {
        Path submission = Path.of(sources.benchmark);
        String csv = sources.csv;
        if (csv == null) {
            throw new UsageException("--benchmark needs --csv FILE, the benchmark's prompt table "
                    + "(LOVEU-TGVE-2023_Dataset.csv)");
        }
        LoveuTgveBenchmark.Rows rows;
        try {
            rows = Spellings.parse("--rows", sources.rows, LoveuTgveBenchmark.Rows.class);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        List<ClipMetrics.Video> videos = new ArrayList<>();
        for (LoveuTgveBenchmark.Entry e : LoveuTgveBenchmark.entries(submission, Path.of(csv), rows)) {
            videos.add(new ClipMetrics.Video(e.name(), Map.of(), e.prompt(), e.folder().toString(), () -> {
                List<Image8> frames = new ArrayList<>();
                for (Path f : LoveuTgveBenchmark.frames(e.folder())) {
                    frames.add(ImageFiles.read(f));
                }
                return frames;
            }));
        }
        String title = "CLIP scores of " + submission + " (" + Spellings.lower(rows) + " rows of "
                + csv + ")";
        return new Job(title, videos, outFolder(Path.of("outputs", "eval-" + submission.getFileName())), true);
    }

    private Path outFolder(Path fallback) {
        return scoring.out != null ? Path.of(scoring.out) : fallback;
    }
}
