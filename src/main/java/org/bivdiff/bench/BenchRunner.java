package org.bivdiff.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Network;
import org.bivdiff.io.MemoryStats;

/**
 * Times one {@link Target}: a cold session load, then per call some warm-up runs and the timed runs.
 * Memory comes from {@link MemoryStats}, whose peak is reset before the load and before each call, so
 * each figure belongs to one network even though the process runs many.
 */
public final class BenchRunner {

    /**
     * @param warmup untimed runs before each call's timed runs
     * @param runs   timed runs per call; 0 only loads the session
     */
    public record Settings(int warmup, int runs) {
        public Settings {
            if (warmup < 0 || runs < 0) {
                throw new IllegalArgumentException("warm-up and runs must be >= 0, got " + warmup + ", " + runs);
            }
        }
    }

    /** A byte count that could not be measured (no {@code /proc}, or a peak that cannot be reset). */
    public static final long UNKNOWN = Long.MIN_VALUE;

    /**
     * One timed call. Byte counts are relative to {@code baseRss}, the resident size just before the
     * session was created (so they can be slightly negative when the JVM returns memory); {@link #UNKNOWN}
     * when not measured.
     *
     * @param buildSeconds graph construction (config, weight headers, ONNX graph)
     * @param loadSeconds  {@code Engine.load}: session creation until ready to run
     * @param times        seconds of each timed run
     * @param loadRss      resident after the load
     * @param loadPeak     peak during the load
     * @param peak         peak during this call's runs
     * @param profileMs    ONNX Runtime kernel time per op type per timed run, when profiling
     */
    public record Row(String preset, String network, String shape, double buildSeconds, double loadSeconds,
                      double[] times, FlopCounter.Count flops, long baseRss, long loadRss, long loadPeak, long peak,
                      Map<String, Double> profileMs) {

        public double medianSeconds() {
            if (times.length == 0) {
                return Double.NaN;
            }
            double[] t = times.clone();
            Arrays.sort(t);
            return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
        }

        public double minSeconds() {
            return Arrays.stream(times).min().orElse(Double.NaN);
        }
    }

    private BenchRunner() {
    }

    /** Loads {@code target} with {@code engine}, times each call, closes the session. */
    public static List<Row> run(String preset, Target target, Engine engine, Settings s) throws IOException {
        List<FlopCounter.Count> flops = new ArrayList<>();
        for (Target.Call c : target.calls()) {
            flops.add(FlopCounter.count(target.model(), c.inputShapes()));    // fails before the slow part
        }
        System.gc();
        long base = MemoryStats.rss();
        boolean resettable = MemoryStats.resetPeak();
        long t0 = System.nanoTime();
        Network net = engine.load(target.model());
        double load = (System.nanoTime() - t0) / 1e9;
        long loadRss = delta(MemoryStats.rss(), base);
        long loadPeak = resettable ? delta(MemoryStats.peak(), base) : UNKNOWN;
        List<double[]> times = new ArrayList<>();
        List<Long> peaks = new ArrayList<>();
        try (net) {
            for (Target.Call c : target.calls()) {
                boolean reset = MemoryStats.resetPeak();
                for (int i = 0; i < s.warmup(); i++) {
                    net.run(c.inputs(), outputs(target, c));
                }
                double[] t = new double[s.runs()];
                for (int i = 0; i < s.runs(); i++) {
                    long r0 = System.nanoTime();
                    net.run(c.inputs(), outputs(target, c));
                    t[i] = (System.nanoTime() - r0) / 1e9;
                }
                times.add(t);
                peaks.add(reset ? delta(MemoryStats.peak(), base) : UNKNOWN);
            }
        }
        List<Map<String, Double>> profiles = profiles(target, engine, s);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < target.calls().size(); i++) {
            rows.add(new Row(preset, target.network(), target.calls().get(i).shape(), target.buildSeconds(), load,
                    times.get(i), flops.get(i), base, loadRss, loadPeak, peaks.get(i),
                    profiles == null ? null : profiles.get(i)));
        }
        return rows;
    }

    private static java.util.Set<String> outputs(Target target, Target.Call c) {
        return c.outputs().isEmpty() ? java.util.Set.copyOf(target.model().outputs()) : c.outputs();
    }

    /** Per call, the op-type times of its timed runs, when the engine profiles; the session is closed. */
    private static List<Map<String, Double>> profiles(Target target, Engine engine, Settings s) throws IOException {
        String prefix = engine.options().profilePrefix();
        if (prefix == null) {
            return null;
        }
        List<Map<String, Long>> runs = ProfileSummary.perRun(ProfileSummary.newest(prefix + "-"
                + target.model().name()));
        List<Map<String, Double>> out = new ArrayList<>();
        int per = s.warmup() + s.runs();
        for (int i = 0; i < target.calls().size(); i++) {
            int from = i * per + s.warmup();
            int to = (i + 1) * per;
            out.add(s.runs() == 0 || to > runs.size() ? Map.of() : ProfileSummary.averageMs(runs, from, to));
        }
        return out;
    }

    private static long delta(long now, long base) {
        return now < 0 || base < 0 ? UNKNOWN : now - base;
    }
}
