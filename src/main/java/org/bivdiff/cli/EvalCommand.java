package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

/**
 * {@code bivdiff eval}: CLIP textual alignment and frame consistency as the LOVEU-TGVE 2023 benchmark computes
 * them, with the consecutive-frames variant, for a run folder (its result and the image model's frames), for
 * videos with a prompt, or for a whole submission in the benchmark's layout. Prints the table and writes
 * {@code table.md}, {@code scores.csv} and {@code scores.json}.
 */
final class EvalCommand {

    static final String USAGE = """
              eval RUN_FOLDER | --video FILE ... --prompt TEXT | --benchmark DIR --csv FILE [--rows official|all]
                    --clip DIR [--clip-tokenizer DIR] [--prompt TEXT] [--out DIR] [--provider cpu|cuda] [--threads N]
                    CLIP scores as LOVEU-TGVE 2023's run_eval.py computes them (textual alignment, frame
                    consistency over all frame pairs) and the consecutive-frames variant: of a run's result and its
                    image-model frames, of videos (files or frame folders) with one prompt, or of a LOVEU-TGVE
                    submission (<DIR>/<section>/<video>/<edit>/*.jpg, prompts from the benchmark's CSV; --rows all
                    for a table other than the official one); --clip is a transformers CLIP folder such as
                    openai/clip-vit-large-patch14; prints the table, writes table.md, scores.csv, scores.json to --out
                    (default RUN_FOLDER/eval, else outputs/eval-NAME)
            """;

    private static final Set<String> OPTIONS = EngineFlags.with(Set.of("clip", "clip-tokenizer", "video", "prompt",
            "benchmark", "csv", "rows", "out"));

    private EvalCommand() {
    }

    static int run(List<String> words, PrintStream out, ProgressBar progress) throws Exception {
        boolean runFolder = !words.isEmpty() && !words.getFirst().startsWith("--");
        Args args = Args.parse(runFolder ? words.subList(1, words.size()) : words).allow(OPTIONS);
        Path clip = clipFolder(args);
        Path tokenizer = Path.of(args.one("clip-tokenizer", clip.toString()));
        Job job;
        if (runFolder) {
            job = runFolderJob(Path.of(words.getFirst()), args);
        } else if (args.has("benchmark")) {
            job = benchmarkJob(args);
        } else if (args.has("video")) {
            job = videoJob(args);
        } else {
            throw new UsageException("eval needs a run folder, --video FILE ... --prompt TEXT, or --benchmark DIR "
                    + "--csv FILE");
        }
        Engine engine = new Engine(EngineFlags.parse(args));
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

    static Path clipFolder(Args args) throws UsageException {
        String clip = args.one("clip", null);
        if (clip == null) {
            throw new UsageException("--clip DIR is needed: a transformers CLIP folder (config.json, model.safetensors, "
                    + "preprocessor_config.json and the tokenizer files), such as openai/clip-vit-large-patch14");
        }
        Path folder = Path.of(clip);
        if (!Files.isDirectory(folder)) {
            throw new UsageException("--clip " + clip + ": no such folder");
        }
        return folder;
    }

    /** A run's result and, when it made them, the image model's frames, scored against the run's video prompt. */
    private static Job runFolderJob(Path folder, Args args) throws IOException, UsageException {
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
        String prompt = args.one("prompt", config.path("videoPrompt").asText());
        Strategy strategy = Spellings.parse("strategy", config.path("strategy").asText(), Strategy.class);
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
        return new Job("CLIP scores of " + folder, videos, outFolder(args, folder.resolve("eval")), false);
    }

    private static ClipMetrics.Video frameFolder(String name, String prompt, Path frames) {
        return new ClipMetrics.Video(name, Map.of(), prompt, frames.toString(), () -> VideoReader.readAll(frames));
    }

    /** Videos (files or frame folders), every frame, against one prompt. */
    private static Job videoJob(Args args) throws UsageException {
        String prompt = args.one("prompt", null);
        if (prompt == null) {
            throw new UsageException("--video needs --prompt TEXT, the prompt to score the videos against");
        }
        List<ClipMetrics.Video> videos = new ArrayList<>();
        for (String v : args.all("video")) {
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
        return new Job("CLIP scores", videos, outFolder(args, Path.of("outputs", "eval-"
                + (dot > 0 ? first.substring(0, dot) : first))), videos.size() > 1);
    }

    /** A LOVEU-TGVE submission, every edited video against its edited prompt. */
    private static Job benchmarkJob(Args args) throws IOException, UsageException {
        Path submission = Path.of(args.one("benchmark", null));
        String csv = args.one("csv", null);
        if (csv == null) {
            throw new UsageException("--benchmark needs --csv FILE, the benchmark's prompt table "
                    + "(LOVEU-TGVE-2023_Dataset.csv)");
        }
        LoveuTgveBenchmark.Rows rows;
        try {
            rows = Spellings.parse("--rows", args.one("rows", "official"), LoveuTgveBenchmark.Rows.class);
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
        return new Job(title, videos, outFolder(args, Path.of("outputs", "eval-" + submission.getFileName())), true);
    }

    private static Path outFolder(Args args, Path fallback) throws UsageException {
        return Path.of(args.one("out", fallback.toString()));
    }
}
