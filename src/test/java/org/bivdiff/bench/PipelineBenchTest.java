package org.bivdiff.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.bivdiff.bivdiff.TemporalWindows;
import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Precision;
import org.bivdiff.io.MemoryStats;
import org.bivdiff.models.random.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole-pipeline benchmark on the tiny models: what it reports, not how fast. */
class PipelineBenchTest {

    @Test
    void aRunReportsEveryStageThePeakAndThePhases(@TempDir Path dir) throws Exception {
        PipelineFolders folders = new PipelineFolders(TinyModels.stableDiffusion(dir.resolve("sd"), 1),
                TinyModels.controlNet(dir.resolve("cn"), 2), TinyModels.videoModel(dir.resolve("video"), 3));
        List<String> log = new ArrayList<>();
        PipelineBench.Run run = PipelineBench.run("tiny-e2e", new PipelineBench.Spec(2, 64, 1, 0), folders, Engine.cpu(),
                log::add);

        assertEquals(List.of("frame-wise generation", "frame encoding", "inversion (image)", "inversion (video)",
                "temporal smoothing", "total"),
                List.copyOf(run.stageSeconds().keySet()));
        assertTrue(run.stageSeconds().values().stream().allMatch(s -> s > 0), run.stageSeconds().toString());
        List<String> phases = run.phases().stream().map(PipelineBench.Phase::label).toList();
        assertEquals(List.of("up to controlnet 1/1", "up to inversion (image) 1/1", "up to inversion (video) 1/1",
                "up to temporal smoothing 1/1", "after the last step (VAE decode)"), phases);
        if (MemoryStats.peak() > 0) {
            assertTrue(run.phases().stream().allMatch(p -> p.maxRss() > 0 && p.maxRss() <= run.peakRss()),
                    run.toString());
        }
        assertEquals(4, log.stream().filter(l -> !l.startsWith("loading ")).count(), log.toString());
        assertEquals(1, log.stream().filter(l -> l.startsWith("loading unet3d ... ")).count(),
                "the video UNet is loaded once, for the inversion and the smoothing: " + log);
        assertTrue(run.otherCpu() == null || run.otherCpu().cpuSeconds() >= 0, String.valueOf(run.otherCpu()));
    }

    @Test
    void everyStageHasItsWallLoadAndNetworkTime(@TempDir Path dir) throws Exception {
        PipelineFolders folders = new PipelineFolders(TinyModels.stableDiffusion(dir.resolve("sd"), 1),
                TinyModels.controlNet(dir.resolve("cn"), 2), TinyModels.videoModel(dir.resolve("video"), 3));
        List<String> log = new ArrayList<>();
        PipelineBench.Run run = PipelineBench.run("tiny-e2e", new PipelineBench.Spec(2, 64, 2, 0), folders, Engine.cpu(),
                log::add);

        List<StageTable.Row> stages = run.stages();
        assertEquals(List.of("frame-wise generation", "prompt encoding", "VAE encode", "inversion (image)",
                "inversion (video)", "temporal smoothing", "VAE decode"),
                stages.stream().map(StageTable.Row::stage).toList());
        Map<String, List<String>> graphs = new java.util.LinkedHashMap<>();
        stages.forEach(s -> graphs.put(s.stage(), s.networks().stream().map(StageTable.Calls::graph).toList()));
        assertEquals(List.of("clip_text_model", "controlnet", "unet2d_controlnet", "vae_decode"),
                graphs.get("frame-wise generation").stream().sorted().toList(), graphs.toString());
        assertEquals(List.of("clip_text_model"), graphs.get("prompt encoding").stream().distinct().toList());
        assertEquals(List.of("vae_encode"), graphs.get("VAE encode"));
        assertEquals(List.of("vae_decode"), graphs.get("VAE decode"));
        assertEquals(List.of("unet3d"), graphs.get("inversion (video)"));
        assertEquals(List.of("unet3d"), graphs.get("temporal smoothing"));
        assertEquals(0.0, stages.get(5).loadSeconds(), "the smoothing runs the inversion's session: " + stages);
        assertTrue(log.stream().anyMatch(l -> l.matches("loading vae_decode \\.\\.\\. [0-9.]+ s")), log.toString());
        // 2 frames, one image per VAE call; 2 steps of one call each, the smoothing's guidance in two calls
        assertEquals(2, stages.get(2).networks().getFirst().calls());
        assertEquals(2, stages.get(3).networks().getFirst().calls());
        assertEquals(2, stages.get(4).networks().getFirst().calls());
        assertEquals(4, stages.get(5).networks().getFirst().calls());
        assertEquals(2, stages.get(6).networks().getFirst().calls());
        double total = run.stageSeconds().get("total");
        double walls = stages.stream().mapToDouble(StageTable.Row::wallSeconds).sum();
        assertTrue(walls > 0 && walls <= total, walls + " of " + total);
        for (StageTable.Row s : stages) {
            double calls = s.networks().stream().mapToDouble(StageTable.Calls::sumSeconds).sum();
            assertTrue(s.wallSeconds() > 0 && calls > 0, s.toString());
            assertTrue(s.loadSeconds() > 0 || s.stage().equals("temporal smoothing"), s.toString());
            assertTrue(s.networks().stream().allMatch(c -> c.calls() > 0 && c.medianSeconds() > 0), s.toString());
            assertTrue(s.loadWaitSeconds() <= s.loadSeconds() + 1e-9, s.toString());
            assertTrue(s.hostSeconds() >= -1e-6, "load waits and calls fit in the wall time: " + s);
        }
    }

    @Test
    void theLongPresetRunsEightThenSixtyFourFramesInWindowsOnTheTinyModels() {
        Presets.Preset preset = Presets.named("long");
        Presets.WholeRun runs = (Presets.WholeRun) preset.workload();
        assertEquals(Presets.RunModels.TINY, runs.models());
        assertEquals(List.of(8, 64), runs.specs().stream().map(PipelineBench.Spec::frames).toList());
        assertEquals(2, preset.processes(), "each run in its own JVM, so each peak is its own");
        runs.specs().forEach(s -> {
            assertEquals(TemporalWindows.of(8), s.windows());
            assertEquals(runs.specs().getFirst().side(), s.side());
            assertEquals(runs.specs().getFirst().steps(), s.steps());
        });
        assertEquals(List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"), preset.jvmOptions(),
                "a fixed, touched heap: the peak is what the run keeps");
        assertEquals(1, Presets.named("e2e").processes());
        assertEquals(List.of(), Presets.named("e2e").jvmOptions());
    }

    @Test
    void theReportComparesEachRunOfAPresetWithItsFirst() {
        PipelineBench.Run eight = new PipelineBench.Run("long", "8 frames", 8, Map.of("total", 10.0), 400L << 20,
                List.of(), List.of(), null);
        PipelineBench.Run more = new PipelineBench.Run("long", "64 frames", 64, Map.of("total", 60.0), 420L << 20,
                List.of(), List.of(), null);
        var probe = new PeakProbe.Result(100, 512, 0.1);
        var report = new Report(2, 2, true, Precision.FP32, new HugePages("madvise", true), null, new BenchRunner.Settings(0, 1), probe, probe, List.of(),
                List.of(eight, more), null);
        var text = new ByteArrayOutputStream();
        report.print(new PrintStream(text, true, StandardCharsets.UTF_8));
        assertTrue(text.toString(StandardCharsets.UTF_8).contains("scaling long: 64 against 8 frames (x8.0): peak RSS "
                + "x1.05 (420 against 400 MB), total time x6.00 (0.94 against 1.25 s per frame)"), text.toString());
    }

    @Test
    void aSpecMustBeARunnableSize() {
        assertThrows(IllegalArgumentException.class, () -> new PipelineBench.Spec(4, 100, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new PipelineBench.Spec(0, 256, 10, 0));
    }
}
