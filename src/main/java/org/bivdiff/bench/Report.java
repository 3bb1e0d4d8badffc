package org.bivdiff.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.bivdiff.graph.Precision;
import org.bivdiff.io.Spellings;

/**
 * The results of one {@code bivdiff bench} run: a table for people, JSON for tools. Rates are
 * FLOPs / median time; the fraction of peak is against the better of the two GEMM probes (before
 * and after the networks), the best rate this machine showed during the run.
 *
 * @param threads    intra-op threads (0: ONNX Runtime's choice, one per core)
 * @param prepacking whether ONNX Runtime prepacked the weights
 * @param precision  what the networks computed in (the probe is always float32)
 * @param hugePages  whether the networks' memory came in transparent huge pages
 * @param sessionCache the optimised-graph cache the sessions loaded through, or null (every load optimised anew)
 * @param runs       whole-pipeline runs
 * @param otherCpu   other processes' CPU time while the presets ran, or null where it cannot be measured: how far
 *                   the figures shared the machine (the probes' gap is no such sign: on an idle machine they vary
 *                   by 15%)
 */
public record Report(int cores, int threads, boolean prepacking, Precision precision, HugePages hugePages,
                     Path sessionCache, BenchRunner.Settings settings,
                     PeakProbe.Result probeBefore, PeakProbe.Result probeAfter, List<BenchRunner.Row> rows,
                     List<PipelineBench.Run> runs, OtherCpu.Usage otherCpu) {

    private static final double MB = 1 << 20;

    /** The peak the fractions are against, GFLOP/s. */
    public double peakGflops() {
        return Math.max(probeBefore.gflops(), probeAfter.gflops());
    }

    public double gflopsPerSecond(BenchRunner.Row r) {
        return r.flops().total() / r.medianSeconds() / 1e9;
    }

    public double fractionOfPeak(BenchRunner.Row r) {
        return gflopsPerSecond(r) / peakGflops();
    }

    /** The table (when networks were timed), the probe, and each pipeline run. */
    public void print(PrintStream out) {
        if (!rows.isEmpty()) {
            printNetworks(out);
        }
        out.printf(Locale.ROOT, "GEMM probe (%d^3 x %d, best of runs): %.1f GFLOP/s before, %.1f after; %%peak is "
                + "against the better, %.1f. %d cores, %s threads, prepacking %s, precision %s, %s, %s, %d warm-up + %d timed runs per shape "
                + "(median).%n",
                probeBefore.size(), PeakProbe.CHAIN, probeBefore.gflops(), probeAfter.gflops(), peakGflops(), cores,
                threads == 0 ? "default" : Integer.toString(threads), prepacking ? "on" : "off",
                Spellings.lower(precision), hugePages.describe(),
                sessionCache == null ? "no session cache" : "session cache " + sessionCache, settings.warmup(),
                settings.runs());
        out.println("other processes: " + (otherCpu == null ? "not measured (no /proc)" : otherCpu.describe())
                + " while the presets ran");
        if (!rows.isEmpty()) {
            out.println("+RSS: resident growth from loading the session; ldpk / peak: resident high-water mark during "
                    + "the load / the runs, above the resident size before the load.");
        }
        for (BenchRunner.Row r : rows) {
            if (r.profileMs() != null && !r.profileMs().isEmpty()) {
                printProfile(out, r);
            }
        }
        runs.forEach(r -> printRun(out, r));
        printScaling(out);
    }

    /**
     * For a preset of several runs (the {@code long} preset: the same size with more frames), each later run's peak
     * RSS and total time against the first run's, and the time per frame.
     */
    private void printScaling(PrintStream out) {
        Map<String, List<PipelineBench.Run>> byPreset = new LinkedHashMap<>();
        runs.forEach(r -> byPreset.computeIfAbsent(r.preset(), k -> new ArrayList<>()).add(r));
        byPreset.forEach((preset, list) -> {
            PipelineBench.Run base = list.getFirst();
            for (PipelineBench.Run r : list.subList(1, list.size())) {
                double t0 = base.stageSeconds().getOrDefault("total", Double.NaN);
                double t1 = r.stageSeconds().getOrDefault("total", Double.NaN);
                out.printf(Locale.ROOT, "scaling %s: %d against %d frames (x%.1f): peak RSS x%s (%s against %s MB), "
                                + "total time x%.2f (%.2f against %.2f s per frame)%n", preset, r.frames(), base.frames(),
                        (double) r.frames() / base.frames(), base.peakRss() > 0 && r.peakRss() > 0
                                ? String.format(Locale.ROOT, "%.2f", (double) r.peakRss() / base.peakRss()) : "?",
                        runPeak(r), runPeak(base), t1 / t0, t1 / r.frames(), t0 / base.frames());
            }
        });
    }

    private void printNetworks(PrintStream out) {
        out.printf(Locale.ROOT, "%-11s %-16s %-17s %7s %7s %10s %10s %8s %8s %6s %8s %8s %8s%n", "preset", "network",
                "shape", "build s", "load s", "median ms", "min ms", "GFLOP", "GFLOP/s", "%peak", "+RSS MB", "ldpk MB",
                "peak MB");
        for (BenchRunner.Row r : rows) {
            out.printf(Locale.ROOT, "%-11s %-16s %-17s %7.2f %7.2f %10.1f %10.1f %8.1f %8.1f %6.1f %8s %8s %8s%n", r.preset(),
                    r.network(), r.shape(), r.buildSeconds(), r.loadSeconds(), r.medianSeconds() * 1e3,
                    r.minSeconds() * 1e3, r.flops().total() / 1e9, gflopsPerSecond(r), 100 * fractionOfPeak(r),
                    mb(r.loadRss()), mb(r.loadPeak()), mb(r.peak()));
        }
    }

    private static void printRun(PrintStream out, PipelineBench.Run r) {
        out.printf(Locale.ROOT, "pipeline %s (%s): peak RSS %s MB (VmHWM of the child JVM)%n", r.preset(), r.spec(),
                runPeak(r));
        r.stageSeconds().forEach((stage, s) -> out.printf(Locale.ROOT, "  %-40s %9.1f s%n", stage, s));
        if (r.otherCpu() != null) {
            out.println("  other processes: " + r.otherCpu().describe());
        }
        printStages(out, r.stages());
        out.println("  resident peak between progress events (sampled every " + RssTimeline.PERIOD_MS + " ms):");
        r.phases().forEach(p -> out.printf(Locale.ROOT, "  %-40s %9s MB   (ends at %.1f s)%n", p.label(), mb(p.maxRss()),
                p.endSeconds()));
    }

    /**
     * Each stage's wall time beside its session loads (all, and the part the stage waited for) and its network time
     * (calls x median per network); host is the wall time neither loading nor in a call.
     */
    static void printStages(PrintStream out, List<StageTable.Row> stages) {
        if (stages == null || stages.isEmpty()) {
            return;
        }
        out.printf(Locale.ROOT, "  %-24s %8s %8s %8s %9s %8s   %s%n", "stage", "wall s", "load s", "waited s",
                "network s", "host s", "calls x median");
        for (StageTable.Row s : stages) {
            List<String> calls = s.networks().stream().map(c -> String.format(Locale.ROOT, "%s %d x %.2f s", c.graph(),
                    c.calls(), c.medianSeconds())).toList();
            out.printf(Locale.ROOT, "  %-24s %8.1f %8.1f %8.1f %9.1f %8.1f   %s%n", s.stage(), s.wallSeconds(),
                    s.loadSeconds(), s.loadWaitSeconds(), s.networkSeconds(), s.hostSeconds(), String.join(", ", calls));
        }
        out.printf(Locale.ROOT, "  %-24s %8.1f %8.1f %8.1f %9.1f %8.1f%n", "sum",
                stages.stream().mapToDouble(StageTable.Row::wallSeconds).sum(),
                stages.stream().mapToDouble(StageTable.Row::loadSeconds).sum(),
                stages.stream().mapToDouble(StageTable.Row::loadWaitSeconds).sum(),
                stages.stream().mapToDouble(StageTable.Row::networkSeconds).sum(),
                stages.stream().mapToDouble(StageTable.Row::hostSeconds).sum());
    }

    private static String runPeak(PipelineBench.Run r) {
        return r.peakRss() < 0 ? "?" : mb(r.peakRss());
    }

    private static void printProfile(PrintStream out, BenchRunner.Row r) {
        double total = r.profileMs().values().stream().mapToDouble(Double::doubleValue).sum();
        out.printf(Locale.ROOT, "profile %s %s: %.1f ms of kernels per run%n", r.network(), r.shape(), total);
        r.profileMs().forEach((op, ms) -> out.printf(Locale.ROOT, "  %-28s %10.1f ms %5.1f%%%n", op, ms,
                100 * ms / total));
    }

    /** Writes the JSON form. */
    public void writeJson(Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json());
    }

    /** The JSON form as maps and lists. */
    public Map<String, Object> json() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", cores);
        machine.put("threads", threads);
        machine.put("prepacking", prepacking);
        machine.put("precision", Spellings.lower(precision));
        machine.put("huge_pages", hugePages.on());
        machine.put("thp_mode", hugePages.kernelMode());
        machine.put("session_cache", sessionCache == null ? null : sessionCache.toString());
        machine.put("warmup", settings.warmup());
        machine.put("runs", settings.runs());
        machine.put("probe_size", probeBefore.size());
        machine.put("peak_gflops_before", probeBefore.gflops());
        machine.put("peak_gflops_after", probeAfter.gflops());
        machine.put("peak_gflops", peakGflops());
        machine.put("other_processes_cpu", otherCpu);
        List<Object> results = new ArrayList<>();
        for (BenchRunner.Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("preset", r.preset());
            m.put("network", r.network());
            m.put("shape", r.shape());
            m.put("build_s", r.buildSeconds());
            m.put("load_s", r.loadSeconds());
            m.put("times_s", r.times());
            m.put("median_s", nullIfNaN(r.medianSeconds()));
            m.put("min_s", nullIfNaN(r.minSeconds()));
            m.put("flops", r.flops().total());
            m.put("flops_by_op", r.flops().byOp());
            m.put("gflops_per_s", nullIfNaN(gflopsPerSecond(r)));
            m.put("fraction_of_peak", nullIfNaN(fractionOfPeak(r)));
            m.put("rss_before_bytes", r.baseRss() < 0 ? null : r.baseRss());
            m.put("load_rss_bytes", bytes(r.loadRss()));
            m.put("load_peak_bytes", bytes(r.loadPeak()));
            m.put("run_peak_bytes", bytes(r.peak()));
            if (r.profileMs() != null) {
                m.put("profile_ms_by_op", r.profileMs());
            }
            results.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("machine", machine);
        root.put("results", results);
        root.put("pipeline_runs", runs);
        return root;
    }

    private static Double nullIfNaN(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static Long bytes(long b) {
        return b == BenchRunner.UNKNOWN ? null : b;
    }

    private static String mb(long bytes) {
        return bytes == BenchRunner.UNKNOWN ? "?" : String.format(Locale.ROOT, "%.0f", bytes / MB);
    }
}
