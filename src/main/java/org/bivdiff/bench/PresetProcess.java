package org.bivdiff.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.bivdiff.graph.CudaOptions;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Precision;
import org.bivdiff.graph.Provider;
import org.bivdiff.models.random.WeightsFormat;

/**
 * Runs one preset in a fresh JVM, so that each preset's figures are its own: session loads are cold,
 * the resident baseline is a small idle JVM (not one whose heap grew while writing weights or whose
 * garbage collector is still busy with an earlier preset), and {@code VmHWM} is that preset's peak.
 * The parent writes the models first; the child only loads and times them, and hands back its rows as
 * JSON in a file.
 */
public final class PresetProcess {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a child runs.
     *
     * @param cudaOptions   the CUDA provider's settings, as {@link CudaOptions#parse} takes them
     * @param profilePrefix ONNX Runtime profile prefix, or null
     * @param sessionCache  the optimised-graph cache folder the sessions load through, or null
     * @param process       which of the preset's {@link Presets.Preset#processes()} this is: the whole run to do
     */
    public record Job(String preset, String cache, int threads, String provider, String cudaOptions, String precision,
                      String weights, boolean prepacking, String profilePrefix, String sessionCache, int warmup,
                      int runs, int process) {
    }

    /** Where ONNX Runtime loads its natives from, when set (the CUDA build's launcher sets it). */
    private static final String NATIVE_PATH = "onnxruntime.native.path";

    private PresetProcess() {
    }

    /**
     * What a child hands back.
     *
     * @param rows the timed network calls
     * @param runs the whole-pipeline runs
     */
    public record Result(List<BenchRunner.Row> rows, List<PipelineBench.Run> runs) {
    }

    /** Runs {@code job} in a child JVM on this JVM's class path; its output lines go to {@code log}. */
    public static Result run(Job job, PrintStream log) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("bivdiff-bench-job");
        try {
            Path jobFile = dir.resolve("job.json");
            Path rowsFile = dir.resolve("rows.json");
            JSON.writeValue(jobFile.toFile(), job);
            String java = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
            if (System.getProperty(NATIVE_PATH) != null) {
                cmd.add("-D" + NATIVE_PATH + "=" + System.getProperty(NATIVE_PATH));
            }
            cmd.addAll(Presets.named(job.preset()).jvmOptions());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PresetProcess.class.getName(),
                    jobFile.toString(), rowsFile.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (!line.startsWith("WARNING: ")) {           // protobuf's sun.misc.Unsafe notices
                        log.println(line);
                    }
                }
            }
            int code = p.waitFor();
            if (code != 0 || !Files.exists(rowsFile)) {
                throw new IOException("benchmark of preset '" + job.preset() + "' failed (child exit code " + code + ")");
            }
            return JSON.readValue(rowsFile.toFile(), Result.class);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path f : s.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** The child: {@code PresetProcess JOB.json ROWS.json}. */
    public static void main(String[] args) throws Exception {
        Job job = JSON.readValue(Path.of(args[0]).toFile(), Job.class);
        Engine.Options options = new Engine.Options(job.threads(), Provider.parse(job.provider()),
                CudaOptions.defaults().parse(job.cudaOptions()), !job.prepacking(), job.profilePrefix(), null,
                Precision.parse(job.precision()));
        Engine engine = new Engine(job.sessionCache() == null ? options
                : options.withSessionCache(Path.of(job.sessionCache())));
        Presets.Preset preset = Presets.named(job.preset());
        Presets.Context context = new Presets.Context(new ModelCache(Path.of(job.cache())), engine, WeightsFormat.valueOf(job.weights()),
                m -> System.err.println("bench: " + m));
        Result result = switch (preset.workload()) {
            case Presets.Networks n -> new Result(networks(preset.name(), n.source().targets(context), engine,
                    new BenchRunner.Settings(job.warmup(), job.runs())), List.of());
            case Presets.WholeRun w -> new Result(List.of(), List.of(PipelineBench.run(preset.name(),
                    w.specs().get(job.process()), w.models().folders(context), engine,
                    m -> System.err.println("bench: " + m))));
        };
        JSON.writeValue(Path.of(args[1]).toFile(), result);
        System.exit(0);
    }

    private static List<BenchRunner.Row> networks(String preset, List<Target> targets, Engine engine,
                                                  BenchRunner.Settings settings) throws IOException {
        List<BenchRunner.Row> rows = new ArrayList<>();
        for (Target t : targets) {
            System.err.println("bench: " + preset + " / " + t.network() + " ...");
            for (BenchRunner.Row r : BenchRunner.run(preset, t, engine, settings)) {
                rows.add(r);
                System.err.printf(java.util.Locale.ROOT, "bench: %s %s: load %.2f s, median %.1f ms%n", r.network(),
                        r.shape(), r.loadSeconds(), r.medianSeconds() * 1e3);
            }
        }
        return rows;
    }
}
