package org.bivdiff.prototype;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.bivdiff.bench.ProfileSummary;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Graph;
import org.bivdiff.graph.Network;
import org.bivdiff.graph.Precision;
import org.bivdiff.graph.Value;
import org.bivdiff.io.DType;
import org.bivdiff.tensor.Tensor;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;

/**
 * Micro-benchmark of SD 1.5's two heaviest op shapes, the 3x3 convolution 320 -> 320 on (2, 320, 64, 64) and
 * the Linear 8192 x 320 -> 1280: ONNX Runtime fp32 (a one-op session of our graph DSL) against oneDNN bf16 with
 * prepacked weights in the layouts its kernel picks, and oneDNN fp32 for context. The runs of all variants are
 * interleaved in one process so that they share the load of the machine; each figure is the median of
 * {@value #REPS} after one warm-up. Run with {@code ONEDNN_VERBOSE=1} to see every primitive oneDNN executes.
 *
 * <p>Argument: the number of threads (default 2) for ONNX Runtime; oneDNN's OpenMP takes {@code OMP_NUM_THREADS},
 * which should be set to the same number.
 */
public final class Bf16OpBench {

    private static final int REPS = 5;
    private static final int SAMPLES = 20_000;

    /** The timed steps of one repetition. */
    private enum Step { ORT_RUN, BF16_WRITE, BF16_IN, BF16_COMPUTE, BF16_OUT, BF16_READ, F32_COMPUTE }

    /**
     * Each step is timed three ways: wall time; the CPU time of the whole process, which the other processes of a
     * shared machine do not inflate, but which includes threads spinning at their barriers and the garbage
     * collector; and the CPU time of the calling thread, which with one thread is the step's own work (ONNX
     * Runtime and OpenMP then run on the caller).
     */
    private enum Clock { WALL, CPU, THREAD }

    private static final CpuClock CPU = new CpuClock();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Bf16OpBench() {
    }

    /** One op in its three implementations, with its input, its float64 reference and its timings. */
    private record Case(String name, double flops, Network ort, Map<String, Tensor> feed, OnednnOp bf16,
                        OnednnOp f32, float[] x, float[] y, Reference reference, long[][][] nanos) {

        Case {
            f32.write(x);
            f32.convertIn();
        }

        /** Runs every implementation once, timing each step into repetition {@code rep} (or nowhere if < 0). */
        void runOnce(int rep) {
            time(rep, Step.ORT_RUN, () -> ort.run(feed));
            time(rep, Step.BF16_WRITE, () -> bf16.write(x));
            time(rep, Step.BF16_IN, bf16::convertIn);
            time(rep, Step.BF16_COMPUTE, bf16::compute);
            time(rep, Step.BF16_OUT, bf16::convertOut);
            time(rep, Step.BF16_READ, () -> bf16.read(y));
            time(rep, Step.F32_COMPUTE, f32::compute);
        }

        private void time(int rep, Step step, Runnable work) {
            long c0 = CPU.nanos();
            long h0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            work.run();
            long wall = System.nanoTime() - t0;
            long thread = THREADS.getCurrentThreadCpuTime() - h0;
            long cpu = CPU.nanos() - c0;
            if (rep >= 0) {
                nanos[Clock.WALL.ordinal()][step.ordinal()][rep] = wall;
                nanos[Clock.CPU.ordinal()][step.ordinal()][rep] = cpu;
                nanos[Clock.THREAD.ordinal()][step.ordinal()][rep] = thread;
            }
        }

        double medianMs(Clock clock, Step step) {
            long[] t = nanos[clock.ordinal()][step.ordinal()].clone();
            Arrays.sort(t);
            return t[t.length / 2] / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        System.out.println("machine: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores; load average " + loadAverage());
        System.out.println("oneDNN effective ISA: " + dnnl.get_effective_cpu_isa() + "; OMP_NUM_THREADS="
                + System.getenv("OMP_NUM_THREADS") + "; ONNX Runtime threads " + threads);
        Path profiles = Files.createTempDirectory("bf16-op-bench");
        Engine ort = new Engine(Engine.Options.defaults().withThreads(threads).withPrecision(Precision.FP32)
                .withProfile(profiles.resolve("ort").toString()));
        List<Case> cases = new ArrayList<>();
        try (engine eng = new engine(engine.kind.cpu, 0); stream s = new stream(eng)) {
            cases.add(conv(ort, eng, s));
            cases.add(linear(ort, eng, s));
            for (Case c : cases) {
                c.runOnce(-1);
            }
            for (int rep = 0; rep < REPS; rep++) {
                for (Case c : cases) {
                    c.runOnce(rep);
                }
            }
            for (Case c : cases) {
                report(c, profiles);
            }
        }
        System.out.println("load average after: " + loadAverage());
    }

    private static Case conv(Engine ort, engine eng, stream s) {
        int n = 2;
        int c = 320;
        int h = 64;
        int w = 64;
        SplittableRandom r = new SplittableRandom(1);
        float[] x = gaussian(r, n * c * h * w, 1);
        float[] weight = gaussian(r, c * c * 9, 1 / Math.sqrt(c * 9));
        float[] bias = gaussian(r, c, 0.1);
        Graph g = new Graph("conv3x3_320");
        Value in = g.input("x", DType.F32, n, c, h, w);
        g.output("y", g.conv(in, g.constant(weight, c, c, 3, 3), g.constant(bias, c), 1, 1));   // (N, C, H, W)
        return new Case("Conv 3x3 320->320 [2,320,64,64]", 2.0 * n * c * h * w * c * 9, ort.load(g.build()),
                Map.of("x", Tensor.of(x, n, c, h, w)),
                OnednnOp.conv3x3(eng, s, memory.data_type.bf16, n, c, h, w, c, weight, bias),
                OnednnOp.conv3x3(eng, s, memory.data_type.f32, n, c, h, w, c, weight, bias),
                x, new float[x.length],
                new Reference(x.length, SAMPLES, 2, Reference.conv3x3(x, weight, bias, c, h, w, c)),
                new long[Clock.values().length][Step.values().length][REPS]);
    }

    private static Case linear(Engine ort, engine eng, stream s) {
        int m = 8192;
        int k = 320;
        int n = 1280;
        SplittableRandom r = new SplittableRandom(3);
        float[] x = gaussian(r, m * k, 1);
        float[] weight = gaussian(r, n * k, 1 / Math.sqrt(k));
        float[] bias = gaussian(r, n, 0.1);
        Graph g = new Graph("linear_320_1280");
        Value in = g.input("x", DType.F32, m, k);
        g.output("y", g.gemm(in, g.constant(weight, n, k), g.constant(bias, n)));              // (M, N)
        return new Case("MatMul 8192x320x1280 (+bias)", 2.0 * m * k * n, ort.load(g.build()),
                Map.of("x", Tensor.of(x, m, k)),
                OnednnOp.linear(eng, s, memory.data_type.bf16, m, k, n, weight, bias),
                OnednnOp.linear(eng, s, memory.data_type.f32, m, k, n, weight, bias),
                x, new float[m * n],
                new Reference(m * n, SAMPLES, 4, Reference.linear(x, weight, bias, k, n)),
                new long[Clock.values().length][Step.values().length][REPS]);
    }

    /** Prints the medians, the kernel time ONNX Runtime's profile gives, the errors, and closes the case. */
    private static void report(Case c, Path profiles) throws IOException {
        float[] ortOut = c.ort().run(c.feed()).get("y").data();
        String model = c.ort().model().name();
        c.ort().close();                                     // the session writes its profile on close
        double ortKernelMs = medianKernelMs(ProfileSummary.newest(profiles.resolve("ort-" + model).toString()));
        c.bf16().write(c.x());
        c.bf16().convertIn();
        c.bf16().compute();
        c.bf16().convertOut();
        c.bf16().read(c.y());
        double bf16Error = c.reference().relativeL2(c.y());
        c.f32().compute();
        c.f32().convertOut();
        c.f32().read(c.y());
        double f32Error = c.reference().relativeL2(c.y());
        double ortError = c.reference().relativeL2(ortOut);

        System.out.printf("%n%s, %.2f GFLOP; median ms of %d runs: wall / process CPU / calling thread CPU%n",
                c.name(), c.flops() / 1e9, REPS);
        System.out.printf("  ORT fp32 run        %s  kernels alone (its profile) %.2f wall  rel. L2 %.1e%n",
                times(c, Step.ORT_RUN), ortKernelMs, ortError);
        System.out.printf("  oneDNN fp32 kernel  %s  rel. L2 %.1e  [%s]%n", times(c, Step.F32_COMPUTE), f32Error,
                c.f32().implementation());
        System.out.printf("  oneDNN bf16 kernel  %s  rel. L2 %.1e  [%s]%n", times(c, Step.BF16_COMPUTE), bf16Error,
                c.bf16().implementation());
        System.out.printf("  cut: f32 -> bf16    %s  (reorders from and to ONNX Runtime's f32 layout)%n",
                times(c, Step.BF16_IN));
        System.out.printf("  cut: bf16 -> f32    %s%n", times(c, Step.BF16_OUT));
        System.out.printf("  cut: Java copies    %s  (array to native memory, and back)%n",
                times(c, Step.BF16_WRITE) + " +" + times(c, Step.BF16_READ));
        for (Clock clock : Clock.values()) {
            double bf16 = c.medianMs(clock, Step.BF16_COMPUTE);
            double cut = bf16 + c.medianMs(clock, Step.BF16_IN) + c.medianMs(clock, Step.BF16_OUT);
            double ort = clock == Clock.WALL ? ortKernelMs : c.medianMs(clock, Step.ORT_RUN);
            System.out.printf("  gain over ORT, %-6s  %.2fx, %.2fx with both reorders (bf16 %.0f GFLOP/s)%n",
                    clock, ort / bf16, ort / cut, c.flops() / bf16 / 1e6);
        }
        c.bf16().close();
        c.f32().close();
    }

    private static String times(Case c, Step step) {
        return String.format("%8.2f / %8.2f / %8.2f", c.medianMs(Clock.WALL, step), c.medianMs(Clock.CPU, step),
                c.medianMs(Clock.THREAD, step));
    }

    /** The median over the timed runs (the last {@value #REPS}) of ONNX Runtime's summed kernel time. */
    private static double medianKernelMs(Path profile) throws IOException {
        List<Map<String, Long>> runs = ProfileSummary.perRun(profile);
        double[] ms = runs.subList(runs.size() - REPS - 1, runs.size() - 1).stream()
                .mapToDouble(run -> run.values().stream().mapToLong(Long::longValue).sum() / 1e3)
                .sorted().toArray();
        return ms[ms.length / 2];
    }

    private static float[] gaussian(SplittableRandom r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (std * r.nextGaussian());
        }
        return a;
    }

    private static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU")
                + (Files.readString(Path.of("/proc/cpuinfo")).contains("amx_tile") ? " (AMX)" : " (no AMX)");
    }

    private static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }
}
