package org.bivdiff.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.bivdiff.bivdiff.BivdiffPipeline;
import org.bivdiff.bivdiff.FrameGenerator;
import org.bivdiff.bivdiff.Strategy;
import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.evaluation.Ablation;
import org.bivdiff.evaluation.ClipMetrics;
import org.bivdiff.evaluation.ScoreTable;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.Spellings;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageTensors;
import org.bivdiff.media.VideoGrid;
import org.bivdiff.pipelines.Cancellation;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bivdiff ablate CONFIG}: the paper's ablation on one run config. Every strategy (and, for those with a
 * mixing ratio, every ratio) runs through one pipeline over one stage store in the ablation folder, so shared
 * stages are computed once ({@link Ablation}); then every result is scored with CLIP, and the folder gets each
 * result's frames, a labelled grid video of all of them, the score table and {@code ablation.json} with every
 * variant's stage times and the time sharing saved.
 */
@Command(name = "ablate", sortOptions = false, description = {
        "the paper's ablation on one config: strategies sequential, idm-only, vdm-only, alternate, fuse and, for "
                + "sequential and fuse, each mixing ratio, sharing every stage that can be shared (the image model's "
                + "frames, the frame encoding, each model's inversion); then CLIP scores of every result (as bivdiff "
                + "eval), per-stage times and the time sharing saved, a labelled grid video, frames/, table.md, "
                + "scores.csv, scores.json and ablation.json in --output (an interrupted ablation continues from the "
                + "stages in it)"})
final class AblateCommand implements CliCommand {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Parameters(index = "0", paramLabel = "CONFIG.yaml", description = "the run config")
    Path configFile;

    /** The variants. */
    static final class VariantOptions {
        @Option(names = "--strategies", paramLabel = "NAME", arity = "1..*", split = ",", order = 1,
                description = "sequential, idm-only, vdm-only, alternate, fuse (default: all the task allows)")
        List<String> strategies = new ArrayList<>();

        @Option(names = "--ratios", paramLabel = "A", arity = "1..*", split = ",", order = 2,
                description = "mixing ratios in [0, 1] for sequential and fuse (default: the config's)")
        List<String> ratios = new ArrayList<>();

        @Option(names = "--set", paramLabel = "KEY=VALUE", arity = "1..*", order = 3,
                description = "override a config key")
        List<String> set = new ArrayList<>();

        @Option(names = "--checkpoints", paramLabel = "DIR", order = 4,
                description = "what an official config's ./checkpoints stands for")
        String checkpoints;

        @Option(names = "--max-batch", paramLabel = "N", order = 5,
                description = "rows per image-UNet call in the frame stage (default 2 on the CPU, 0 on CUDA)")
        Integer maxBatch;
    }

    /** The scoring and the output. */
    static final class Scoring {
        @ArgGroup(validate = false)
        ClipFlags clip = new ClipFlags();

        @Option(names = "--prompt", paramLabel = "TEXT", order = 12,
                description = "the prompt to score against (default: the config's video prompt)")
        String prompt;

        @Option(names = "--output", paramLabel = "DIR", order = 13,
                description = "default: the config's output + \"-ablation\"")
        String output;
    }

    @ArgGroup(validate = false, heading = "%nVariants:%n", order = 1)
    VariantOptions variantOptions = new VariantOptions();

    @ArgGroup(validate = false, heading = "%nScoring and output:%n", order = 2)
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
        String checkpoints = variantOptions.checkpoints;
        RunConfig config = RunConfigReader.read(configFile, variantOptions.set,
                checkpoints == null ? null : Path.of(checkpoints).toAbsolutePath());
        List<Ablation.Variant> variants = variants(config, variantOptions.strategies, variantOptions.ratios);
        Path folder = Path.of(scoring.output != null ? scoring.output : config.output().folder() + "-ablation")
                .toAbsolutePath();
        Engine engine = new Engine(this.engine.options());
        int maxBatch = variantOptions.maxBatch != null ? variantOptions.maxBatch
                : FrameGenerator.defaultMaxBatch(engine.options().provider());
        String prompt = scoring.prompt != null ? scoring.prompt : config.prompts().videoPrompt();
        return execute(config, variants, folder, clip, tokenizer, prompt, maxBatch, engine, out, progress);
    }

    /** The variants the options ask for, each checked like a run before anything starts. */
    static List<Ablation.Variant> variants(RunConfig config, List<String> strategyNames, List<String> ratioValues)
            throws UsageException {
        List<String> base = config.problems();
        if (!base.isEmpty()) {
            throw new UsageException("the ablation cannot start:\n  " + String.join("\n  ", base));
        }
        List<Strategy> strategies = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        try {
            for (String s : words(strategyNames)) {
                strategies.add(Spellings.parse("--strategies", s, Strategy.class));
            }
            for (String r : words(ratioValues)) {
                ratios.add(Double.parseDouble(r));
            }
        } catch (NumberFormatException e) {
            throw new UsageException("--ratios takes numbers in [0, 1], got " + ratioValues);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (ratios.isEmpty()) {
            ratios.add(config.bridging().mixingRatio());
        }
        boolean all = strategies.isEmpty();
        if (all) {
            // Every strategy the task allows.
            for (Strategy s : Strategy.values()) {
                if (config.withStrategy(s, config.bridging().mixingRatio()).problems().isEmpty()) {
                    strategies.add(s);
                }
            }
        }
        List<Ablation.Variant> variants;
        try {
            variants = Ablation.variants(strategies, ratios);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        for (Ablation.Variant v : variants) {
            config.withStrategy(v.strategy(), v.mixingRatio().value()).problems()
                    .forEach(p -> problems.add(label(v) + ": " + p));
        }
        if (!problems.isEmpty()) {
            throw new UsageException("the ablation cannot start:\n  " + String.join("\n  ", problems));
        }
        return variants;
    }

    private static List<String> words(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String w : v.split(",")) {
                if (!w.isBlank()) {
                    out.add(w.trim());
                }
            }
        }
        return out;
    }

    /** Runs the ablation into {@code folder}; returns the exit code. */
    static int execute(RunConfig config, List<Ablation.Variant> variants, Path folder, Path clip, Path tokenizer,
                       String prompt, int maxBatch, Engine engine, PrintStream out, ProgressBar progress)
            throws Exception {
        if (Files.exists(folder.resolve("ablation.json"))) {
            throw new UsageException(folder + " holds a finished ablation; choose another --output");
        }
        // 1. The inputs, once for every variant
        VideoJob.Prepared prepared = VideoJob.prepare(config, engine, progress);
        RunFolder run = new RunFolder(folder);
        // 2. Every variant over one stage store, each result's frames written as it finishes
        long started = System.nanoTime();
        BivdiffPipeline.Request base = VideoJob.request(config, prepared, engine, maxBatch, progress, new Cancellation());
        Map<Ablation.Variant, List<Image8>> frames = new LinkedHashMap<>();
        List<Ablation.Outcome> outcomes = Ablation.run(new BivdiffPipeline(VideoJob.models(config), engine), base,
                variants, run, writingFrames(run, frames, progress));
        Duration wall = Duration.ofNanos(System.nanoTime() - started);
        // 3. CLIP scores of every result
        ScoreTable table = new ScoreTable("Ablation of " + config.output().folder().getFileName(), clip.toString(),
                false);
        List<ClipMetrics.Video> videos = new ArrayList<>();
        for (Ablation.Outcome o : outcomes) {
            Ablation.Variant v = o.variant();
            videos.add(new ClipMetrics.Video(label(v), columns(o), prompt,
                    folder.resolve(RunCommand.FRAMES + slug(v)).toString(), () -> frames.get(v)));
        }
        try (ClipMetrics metrics = ClipMetrics.load(clip, tokenizer, engine)) {
            metrics.scoreInto(table, videos, progress);
        }
        // 4. The grid, the tables, the stage times
        writeGrid(run, prepared, frames, prepared.fps());
        table.write(folder);
        Duration saved = Ablation.savedByReuse(outcomes);
        run.writeAtomically("ablation.json", file -> JSON.writeValue(file.toFile(), json(outcomes, wall, saved)));
        out.print(table.text());
        out.print(stageTimes(outcomes));
        out.printf(Locale.ROOT, "all variants: %.1f s; sharing stages saved about %.1f s (each stage a variant took from "
                + "the store, at what it cost where it was computed)%n", seconds(wall), seconds(saved));
        out.println("wrote " + folder.resolve("grid.gif") + ", table.md, scores.csv, scores.json and ablation.json");
        return 0;
    }

    /** Notes each variant as it starts; keeps and writes its frames when it is done. */
    private static Ablation.Listener writingFrames(RunFolder run, Map<Ablation.Variant, List<Image8>> frames,
                                                   ProgressBar progress) {
        return new Ablation.Listener() {
            @Override
            public void starting(int index, int count, Ablation.Variant v) {
                progress.note("ablation " + index + "/" + count + ": " + label(v));
            }

            @Override
            public void finished(Ablation.Outcome o) throws IOException {
                List<Image8> video = ImageTensors.toPilRounded(ImageTensors.framesOf(o.result().video(), 0));
                frames.put(o.variant(), video);
                run.writeFrames(RunCommand.FRAMES + slug(o.variant()), video);
            }
        };
    }

    /** The source, its condition and every result side by side, labelled, as GIF and MP4. */
    private static void writeGrid(RunFolder run, VideoJob.Prepared prepared, Map<Ablation.Variant, List<Image8>> frames,
                                  double fps) throws IOException {
        VideoGrid grid = VideoGrid.row().add("source", ImageTensors.signedToPilTruncated(prepared.source()));
        if (prepared.condition() != null) {
            grid.add("condition", ImageTensors.toPilRounded(prepared.condition()));
        }
        frames.forEach((v, f) -> grid.add(label(v), f));
        run.writeAtomically("grid.gif", file -> grid.write(file, fps));
        run.writeAtomically("grid.mp4", file -> grid.write(file, fps));
    }

    /** {@code sequential a=0.25}, {@code idm-only}. */
    static String label(Ablation.Variant v) {
        return Spellings.kebab(v.strategy()) + (v.usesRatio() ? " a=" + v.mixingRatio() : "");
    }

    /** The variant's frame folder name: {@code sequential-a0.25}, {@code idm-only}. */
    private static String slug(Ablation.Variant v) {
        return Spellings.kebab(v.strategy()) + (v.usesRatio() ? "-a" + v.mixingRatio() : "");
    }

    private static Map<String, String> columns(Ablation.Outcome o) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("strategy", Spellings.kebab(o.variant().strategy()));
        c.put("a", o.variant().usesRatio() ? o.variant().mixingRatio().toString() : "-");
        c.put("seconds", String.format(Locale.ROOT, "%.1f", seconds(o.total())));
        c.put("shared stages", o.result().resumed().isEmpty() ? "-" : String.join(" ", o.result().resumed()));
        return c;
    }

    /** Seconds per stage and variant; a stage taken from the store is marked as such. */
    private static String stageTimes(List<Ablation.Outcome> outcomes) {
        StringBuilder b = new StringBuilder("\nstage times (s; * = taken from the store)\n");
        for (Ablation.Outcome o : outcomes) {
            b.append(String.format(Locale.ROOT, "  %-24s", label(o.variant())));
            Set<String> shared = o.result().resumed();
            o.result().stageTimes().forEach((stage, time) -> {
                boolean reused = shared.stream().anyMatch(s -> BivdiffPipeline.timeLabel(s).equals(stage));
                b.append(String.format(Locale.ROOT, "  %s %.1f%s", stage, seconds(time), reused ? "*" : ""));
            });
            b.append('\n');
        }
        return b.toString();
    }

    private static Map<String, Object> json(List<Ablation.Outcome> outcomes, Duration wall, Duration saved) {
        Map<String, Object> root = new LinkedHashMap<>();
        List<Map<String, Object>> variants = new ArrayList<>();
        for (Ablation.Outcome o : outcomes) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", label(o.variant()));
            v.put("strategy", Spellings.kebab(o.variant().strategy()));
            v.put("mixing_ratio", o.variant().usesRatio() ? o.variant().mixingRatio().value() : null);
            Map<String, Double> times = new LinkedHashMap<>();
            o.result().stageTimes().forEach((k, t) -> times.put(k, seconds(t)));
            v.put("stage_seconds", times);
            v.put("shared_stages", new ArrayList<>(o.result().resumed()));
            v.put("seconds", seconds(o.total()));
            variants.add(v);
        }
        root.put("variants", variants);
        root.put("wall_seconds", seconds(wall));
        root.put("saved_seconds_by_sharing", seconds(saved));
        return root;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
