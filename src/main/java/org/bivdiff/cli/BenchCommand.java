package org.bivdiff.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.bivdiff.bench.BenchRunner;
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

/**
 * {@code bivdiff bench}: times each network of the chosen presets (all full-size ones by default)
 * and prints a table, optionally JSON. Progress goes to {@code err}.
 *
 * <p>This process writes the models and runs the GEMM probe before and after; each preset is timed in
 * a fresh JVM ({@link PresetProcess}) so its load is cold and its memory figures are its own.
 */
final class BenchCommand {

    static final String USAGE = """
              bench [--preset NAME ...] [--json FILE] [--threads N] [--runs N] [--warmup N] [--cache DIR]
                    [--probe-size N] [--prepacking on|off] [--profile PREFIX] [--precision auto|fp32|fp16]
                    [--weights f32|f16|bin] [--provider cpu|cuda] [--cuda-options KEY=VALUE,...]
                    time each network on full-size random-weight models (or --preset tiny): load time,
                    median run, FLOPs, GFLOP/s, fraction of the measured fp32 peak, resident memory; whole
                    runs (--preset e2e) per stage: wall, load and network time (calls x median)
            """;

    private static final int PROBE_CALLS = 3;

    private BenchCommand() {
    }

    static int run(Args args, PrintStream out, PrintStream err) throws Exception {
        if (args.has("help")) {
            out.print(USAGE + "presets: " + Presets.names() + "\n");
            return 0;
        }
        args.allow(Set.of("preset", "json", "threads", "runs", "warmup", "cache", "probe-size", "prepacking",
                "profile", "provider", "precision", "weights", "cuda-options"));
        List<Presets.Preset> presets = new ArrayList<>();
        for (String name : args.all("preset")) {
            try {
                presets.add(Presets.named(name));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        if (presets.isEmpty()) {
            presets.addAll(Presets.fullSize());
        }
        int threads = args.integer("threads", 0);
        int probeSize = args.integer("probe-size", 2048);
        String prepacking = args.one("prepacking", "on");
        if (!prepacking.equals("on") && !prepacking.equals("off")) {
            throw new UsageException("--prepacking takes on or off, got '" + prepacking + "'");
        }
        BenchRunner.Settings settings;
        try {
            settings = new BenchRunner.Settings(args.integer("warmup", 1), args.integer("runs", 3));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String cache = args.one("cache", null);
        ModelCache models = new ModelCache(cache == null ? ModelCache.defaultRoot() : Path.of(cache));
        String json = args.one("json", null);
        String provider = args.one("provider", "cpu");
        String profile = args.one("profile", null);
        String precision = args.one("precision", "auto");
        String cudaOptions = String.join(",", args.all("cuda-options"));
        Engine engine;
        Precision networkPrecision;
        WeightsFormat weights;
        try {
            weights = WeightsFormat.parse(args.one("weights", "f32"));
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
                        settings.warmup(), settings.runs(), process), err);
                rows.addAll(r.rows());
                runs.addAll(r.runs());
            }
        }
        OtherCpu.Usage others = OtherCpu.since(cpu).orElse(null);
        PeakProbe.Result after = PeakProbe.measure(engine, probeSize, PROBE_CALLS);
        Report report = new Report(Runtime.getRuntime().availableProcessors(), threads, prepacking.equals("on"),
                networkPrecision, settings, before, after, rows, runs, others);
        report.print(out);
        if (json != null) {
            report.writeJson(Path.of(json));
        }
        return 0;
    }
}
