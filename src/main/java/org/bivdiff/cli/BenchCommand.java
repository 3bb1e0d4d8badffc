package org.bivdiff.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.bivdiff.bench.BenchRunner;
import org.bivdiff.bench.HugePages;
import org.bivdiff.bench.ModelCache;
import org.bivdiff.bench.OtherCpu;
import org.bivdiff.bench.PeakProbe;
import org.bivdiff.bench.PipelineBench;
import org.bivdiff.bench.PresetProcess;
import org.bivdiff.bench.Presets;
import org.bivdiff.bench.Report;
import org.bivdiff.graph.CudaOptions;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Precision;
import org.bivdiff.graph.Provider;
import org.bivdiff.models.random.WeightsFormat;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bivdiff bench}: times each network of the chosen presets (all full-size ones by default)
 * and prints a table, optionally JSON. Progress goes to {@code err}.
 *
 * <p>This process writes the models and runs the GEMM probe before and after; each preset is timed in
 * a fresh JVM ({@link PresetProcess}) so its load is cold and its memory figures are its own.
 */
@Command(name = "bench", sortOptions = false, description = {
        "time each network on full-size random-weight models (or --preset tiny): load time, median run, FLOPs, "
                + "GFLOP/s, fraction of the measured fp32 peak, resident memory; whole runs (--preset e2e) per stage: wall, "
                + "load and network time (calls x median)"})
final class BenchCommand implements CliCommand {

    private static final int PROBE_CALLS = 3;

    /** What to time and how often. */
    static final class Timing {
        @Option(names = "--preset", paramLabel = "NAME", arity = "1..*", order = 1, completionCandidates = PresetNames.class,
                description = "the presets to time, of ${COMPLETION-CANDIDATES} (default: every full-size one)")
        List<String> presets = new ArrayList<>();

        @Option(names = "--runs", paramLabel = "N", defaultValue = "3", order = 2,
                description = "timed runs per network (default: ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", order = 3,
                description = "untimed runs first (default: ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--probe-size", paramLabel = "N", defaultValue = "2048", order = 4,
                description = "the GEMM probe's matrix size (default: ${DEFAULT-VALUE})")
        int probeSize;

        @Option(names = "--profile", paramLabel = "PREFIX", order = 5,
                description = "ONNX Runtime profiles, one JSON file per session")
        String profile;
    }

    /** The presets' names, for --help and shell completion. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Presets.ALL.stream().map(Presets.Preset::name).iterator();
        }
    }

    /** Where the models and the results go. */
    static final class Outputs {
        @Option(names = "--cache", paramLabel = "DIR", order = 10,
                description = "where the random models are written (default: the user's cache)")
        String cache;

        @Option(names = "--json", paramLabel = "FILE", order = 11, description = "also write the report as JSON")
        String json;

        @Option(names = "--weights", paramLabel = "f32|f16|bin", defaultValue = "f32", order = 12,
                description = "the weight files' format (default: ${DEFAULT-VALUE})")
        String weights;
    }

    /** The engine as bench sets it up (no session cache: load times are measured cold). */
    static final class EngineSettings {
        @Option(names = "--provider", paramLabel = "cpu|cuda", defaultValue = "cpu", order = 20,
                description = "where the networks run (default: ${DEFAULT-VALUE})")
        String provider;

        @Option(names = "--threads", paramLabel = "N", defaultValue = "0", order = 21,
                description = "ONNX Runtime's threads (default 0: one per core)")
        int threads;

        @Option(names = "--precision", paramLabel = "auto|fp32|fp16", defaultValue = "auto", order = 22,
                description = "auto: fp16 on CUDA, fp32 on the CPU (default: ${DEFAULT-VALUE})")
        String precision;

        @Option(names = "--prepacking", paramLabel = "on|off", defaultValue = "on", order = 23,
                description = "ONNX Runtime's weight prepacking (default: ${DEFAULT-VALUE})")
        String prepacking;

        @Option(names = "--cuda-options", paramLabel = "KEY=VALUE,...", split = ",", order = 24,
                description = "ONNX Runtime's CUDA provider settings")
        List<String> cudaOptions = new ArrayList<>();

        @Option(names = "--session-cache", paramLabel = "DIR", order = 25,
                description = "load sessions through this optimised-graph cache, as runs do with --session-cache "
                        + "(default: none; $BIVDIFF_SESSION_CACHE is not read here, so that loads are cold unless "
                        + "asked): the first bench fills it, later ones load from it")
        String sessionCache;
    }

    @ArgGroup(validate = false, heading = "%nWhat to time:%n", order = 1)
    Timing timing = new Timing();

    @ArgGroup(validate = false, heading = "%nFiles:%n", order = 2)
    Outputs files = new Outputs();

    @ArgGroup(validate = false, heading = "%nEngine:%n", order = 3)
    EngineSettings engineFlags = new EngineSettings();

    @Mixin
    CommonOptions common;

    @Override
    public int call(PrintStream out, PrintStream err) throws Exception {
        List<Presets.Preset> presets = new ArrayList<>();
        for (String name : timing.presets) {
            try {
                presets.add(Presets.named(name));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        if (presets.isEmpty()) {
            presets.addAll(Presets.fullSize());
        }
        int threads = engineFlags.threads;
        int probeSize = timing.probeSize;
        String prepacking = engineFlags.prepacking;
        if (!prepacking.equals("on") && !prepacking.equals("off")) {
            throw new UsageException("--prepacking takes on or off, got '" + prepacking + "'");
        }
        BenchRunner.Settings settings;
        try {
            settings = new BenchRunner.Settings(timing.warmup, timing.runs);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String cache = files.cache;
        ModelCache models = new ModelCache(cache == null ? ModelCache.defaultRoot() : Path.of(cache));
        String json = files.json;
        String provider = engineFlags.provider;
        String profile = timing.profile;
        String precision = engineFlags.precision;
        String cudaOptions = String.join(",", engineFlags.cudaOptions);
        Path sessionCache = engineFlags.sessionCache == null ? null : Path.of(engineFlags.sessionCache).toAbsolutePath();
        Engine engine;
        Precision networkPrecision;
        WeightsFormat weights;
        try {
            weights = WeightsFormat.parse(files.weights);
            engine = new Engine(new Engine.Options(threads, Provider.parse(provider), CudaOptions.defaults()
                    .parse(cudaOptions), prepacking.equals("off"), null, null, Precision.FP32));
            networkPrecision = Precision.parse(precision).resolve(Provider.parse(provider));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }

        if (engine.options().provider() == Provider.CUDA) {
            err.println("bench: " + engine.requireGpu().describe());          // before writing 13 GB of models
        }
        // Models are written here, before any timing; each preset is then timed in its own JVM.
        Presets.Context context = new Presets.Context(models, engine, weights, m -> err.println("bench: " + m));
        for (Presets.Preset p : presets) {
            p.prepare(context);
        }
        err.println("bench: GEMM probe ...");
        PeakProbe.Result before = PeakProbe.measure(engine, probeSize, PROBE_CALLS);
        List<BenchRunner.Row> rows = new ArrayList<>();
        List<PipelineBench.Run> runs = new ArrayList<>();
        var cpu = OtherCpu.sample();
        for (Presets.Preset p : presets) {
            for (int process = 0; process < p.processes(); process++) {
                PresetProcess.Result r = PresetProcess.run(new PresetProcess.Job(p.name(), models.root().toString(),
                        threads, provider, cudaOptions, precision, weights.name(), prepacking.equals("on"), profile,
                        sessionCache == null ? null : sessionCache.toString(), settings.warmup(), settings.runs(),
                        process), err);
                rows.addAll(r.rows());
                runs.addAll(r.runs());
            }
        }
        OtherCpu.Usage others = OtherCpu.since(cpu).orElse(null);
        PeakProbe.Result after = PeakProbe.measure(engine, probeSize, PROBE_CALLS);
        Report report = new Report(Runtime.getRuntime().availableProcessors(), threads, prepacking.equals("on"),
                networkPrecision, HugePages.current(), sessionCache, settings, before, after, rows, runs, others);
        report.print(out);
        if (json != null) {
            report.writeJson(Path.of(json));
        }
        return 0;
    }
}
