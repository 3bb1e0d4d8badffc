package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bivdiff.bivdiff.TemporalWindows;
import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.graph.Engine;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.bivdiff.media.VideoReader;
import org.bivdiff.media.VideoWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bivdiff run} on tiny random models: outputs, resume after a crash, and errors before any work. */
class RunCommandTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));

    @TempDir
    static Path cache;
    private static Path models;

    @BeforeAll
    static void tinyModels() throws IOException {
        models = DemoCommand.tinyModels(cache, new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false));
    }

    /** The demo's config with 2 steps and 4 frames of 32 x 32, plus {@code extra} lines. */
    private static RunConfig config(Path dir, String... extra) throws IOException {
        String text = DemoCommand.config(models, dir.resolve("out"), 2).replace("video_length: 8", "video_length: 4")
                .replace("width: 64", "width: 32").replace("height: 64", "height: 32");
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, text);
        return RunConfigReader.read(file, List.of(extra), null);
    }

    private static ProgressBar quiet() {
        return new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false);
    }

    private static int execute(RunConfig c, boolean resume, ProgressBar progress) throws Exception {
        return RunCommand.execute(c, resume, 0, ENGINE, new PrintStream(new ByteArrayOutputStream()), progress);
    }

    @Test
    void writesVideosGridAndRunJson(@TempDir Path dir) throws Exception {
        RunConfig c = config(dir);
        assertEquals(0, execute(c, false, quiet()));
        Path out = c.output().folder();
        for (String f : List.of("source.gif", "condition.gif", "video_by_idm.gif", "video_by_bivdiff.gif",
                "video_by_bivdiff.mp4", "grid.gif", "stages/idm_frames.safetensors", "stages/frame_latents.safetensors",
                "stages/inversion_image.safetensors")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        var info = VideoReader.probe(out.resolve("video_by_bivdiff.mp4"));
        assertEquals(4, info.frameCount());
        assertEquals(32, info.width());
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals("complete", json.get("status").asText());
        assertEquals(42, json.get("config").get("sampling").get("seed").asInt());
        assertTrue(json.get("config").get("models").get("t2iAdapter").isNull());
        assertTrue(json.get("stage_seconds").size() >= 2);
        // A second run into the same folder is refused rather than mixing two runs.
        var again = assertThrows(UsageException.class, () -> execute(c, false, quiet()));
        assertTrue(again.getMessage().contains("--resume") && again.getMessage().contains("--set output=DIR"),
                again.getMessage());
    }

    @Test
    void resumeAfterACrashInSmoothingSkipsFramesAndInversion(@TempDir Path dir) throws Exception {
        RunConfig c = config(dir);
        ProgressBar crashing = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false) {
            @Override
            public synchronized void onStep(Progress p) {
                if (p.stage().equals("temporal smoothing")) {
                    throw new IllegalStateException("simulated crash");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> execute(c, false, crashing));
        JsonNode failed = new ObjectMapper().readTree(c.output().folder().resolve("run.json").toFile());
        assertEquals("failed", failed.get("status").asText());
        assertEquals("temporal smoothing", failed.get("stage").asText());
        assertEquals("simulated crash", failed.get("error").asText());
        assertFalse(Files.exists(c.output().folder().resolve("video_by_bivdiff.gif")), "no output may look complete");
        List<String> stages = new ArrayList<>();
        ProgressBar recording = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false) {
            @Override
            public synchronized void onStep(Progress p) {
                stages.add(p.stage());
            }
        };
        assertEquals(0, execute(c, true, recording));
        assertTrue(stages.stream().allMatch(s -> s.equals("temporal smoothing")), stages.toString());
        JsonNode done = new ObjectMapper().readTree(c.output().folder().resolve("run.json").toFile());
        assertEquals("complete", done.get("status").asText());
        // The frames, their encoding and the image model's inversion (ratio 1: no video branch).
        assertEquals(List.of("idm_frames", "frame_latents", "inversion_image"),
                new ObjectMapper().convertValue(done.get("resumed_stages"), List.class));
    }

    @Test
    void prompt2PromptInvertsEditsFrameByFrameThenSmooths(@TempDir Path dir) throws Exception {
        RunConfig c = config(dir, "task=p2p", "edit.prompt=a red square sliding past a blue ball in the snow",
                "edit.type=refine");
        assertEquals("a red square sliding past a blue ball in the snow", c.prompts().videoPrompt(), "smoothing follows the edit");
        assertEquals(0.25, c.bridging().mixingRatio(), "the paper's ratio for Prompt-to-Prompt");
        assertEquals("", c.prompts().promptSuffix());
        List<String> stages = new ArrayList<>();
        ProgressBar recording = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false) {
            @Override
            public synchronized void onStep(Progress p) {
                if (stages.isEmpty() || !stages.getLast().equals(p.stage())) {
                    stages.add(p.stage());
                }
            }
        };
        assertEquals(0, execute(c, false, recording));
        // The source frames are inverted with the image model alone, each frame is edited, then stage 2 mixes
        // both models' inversions of the edited frames and the video model smooths.
        assertEquals(List.of("inversion (image)", "prompt-to-prompt 1/4", "prompt-to-prompt 2/4",
                "prompt-to-prompt 3/4", "prompt-to-prompt 4/4", "inversion (image)", "inversion (video)",
                "temporal smoothing"), stages);
        assertEquals(4, VideoReader.probe(c.output().folder().resolve("video_by_bivdiff.mp4")).frameCount());
        assertTrue(Files.size(c.output().folder().resolve("video_by_idm.gif")) > 0);
    }

    @Test
    void aPrompt2PromptEditThatCannotApplyFailsBeforeTheInversion(@TempDir Path dir) throws Exception {
        RunConfig c = config(dir, "task=p2p", "edit.prompt=a red square in the snow", "edit.type=replace");
        List<String> stages = new ArrayList<>();
        ProgressBar recording = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false) {
            @Override
            public synchronized void onStep(Progress p) {
                stages.add(p.stage());
            }
        };
        var e = assertThrows(UsageException.class, () -> execute(c, false, recording));
        assertTrue(e.getMessage().contains("attention replacement edit can only be applied on prompts with the"),
                e.getMessage());
        assertEquals(List.of(), stages, "nothing ran");
    }

    @Test
    void prompt2PromptProblemsAreNamed(@TempDir Path dir) throws Exception {
        var missing = assertThrows(UsageException.class, () -> execute(config(dir, "task=p2p", "guidance_scale=1",
                "edit.local_blend_words=[square]"), false, quiet()));
        assertTrue(missing.getMessage().contains("edit.prompt is not set"), missing.getMessage());
        assertTrue(missing.getMessage().contains("must be empty or two words"), missing.getMessage());
        assertTrue(missing.getMessage().contains("needs guidance_scale > 1"), missing.getMessage());
    }

    @Test
    void badInputsFailBeforeAnyWork(@TempDir Path dir) throws Exception {
        var ratio = assertThrows(UsageException.class, () -> execute(config(dir, "mixing_ratio=1.5",
                "models.video=" + dir.resolve("no-such-model")), false, quiet()));
        assertTrue(ratio.getMessage().contains("mixing_ratio = 1.5"), ratio.getMessage());
        assertTrue(ratio.getMessage().contains("no-such-model"), ratio.getMessage());
        Path corrupt = dir.resolve("corrupt.mp4");
        Files.write(corrupt, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        var bad = assertThrows(UsageException.class, () -> execute(config(dir, "video=" + corrupt), false, quiet()));
        assertTrue(bad.getMessage().contains("corrupt.mp4"), bad.getMessage());
        var steps = assertThrows(UsageException.class, () -> execute(config(dir, "steps=5000"), false, quiet()));
        assertTrue(steps.getMessage().contains("num_inference_steps 5000 cannot be larger than num_train_timesteps 1000"),
                steps.getMessage());
        var shortClip = assertThrows(UsageException.class, () -> execute(config(dir, "video_length=40"), false,
                quiet()));
        assertTrue(shortClip.getMessage().contains("40"), shortClip.getMessage());
        assertFalse(Files.exists(dir.resolve("out/run.json")), "a failed start leaves no run behind");
    }

    @Test
    void commandLineRunsAConfigFile(@TempDir Path dir) throws Exception {
        config(dir);
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"run", dir.resolve("run.yaml").toString(), "--set", "strategy=idm-only",
            "--threads", "2"}, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.exists(dir.resolve("out/video_by_idm_only.mp4")));
        assertFalse(Files.exists(dir.resolve("out/stages/frame_latents.safetensors")));
        assertEquals(2, Main.run(new String[] {"run"}, new PrintStream(out), new PrintStream(err)));
    }

    /**
     * The one-loop baselines run end to end and write their videos, without frame-wise generation or stages to
     * resume; FUSE at mixing ratio 0 is the video model alone, so its video is VDM_ONLY's, byte for byte.
     */
    @Test
    void alternateAndFuseWriteTheirVideos(@TempDir Path dir) throws Exception {
        for (String strategy : List.of("alternate", "fuse", "vdm-only")) {
            Path sub = Files.createDirectories(dir.resolve(strategy));
            String ratio = strategy.equals("alternate") ? "0.5" : "0";
            RunConfig c = config(sub, "strategy=" + strategy, "mixing_ratio=" + ratio);
            assertEquals(0, execute(c, false, quiet()));
            String name = "video_by_" + strategy.replace('-', '_');
            for (String f : List.of(name + ".gif", name + ".mp4", "grid.gif", "run.json")) {
                assertTrue(Files.size(c.output().folder().resolve(f)) > 0, strategy + ": " + f);
            }
            assertFalse(Files.exists(c.output().folder().resolve("video_by_idm.gif")), strategy);
            assertFalse(Files.exists(c.output().folder().resolve("stages/frame_latents.safetensors")), strategy);
            assertEquals(4, VideoReader.probe(c.output().folder().resolve(name + ".mp4")).frameCount());
        }
        JsonNode json = new ObjectMapper().readTree(dir.resolve("alternate/out/run.json").toFile());
        assertTrue(json.get("stage_seconds").has("joint denoising (alternate)"), json.toString());
        assertArrayEquals(Files.readAllBytes(dir.resolve("vdm-only/out/video_by_vdm_only.gif")),
                Files.readAllBytes(dir.resolve("fuse/out/video_by_fuse.gif")), "fuse at a = 0 is text-to-video");
    }

    /**
     * A clip longer than the video model's window, every frame of it ({@code video_length: all}): frames made and
     * stored in batches of the window, inversion and smoothing in overlapping windows, the result at the clip's own
     * rate, and a filmstrip instead of an animated grid.
     */
    @Test
    void everyFrameOfALongClipInWindowsAtTheClipsRate(@TempDir Path dir) throws Exception {
        Path clip = dir.resolve("long.mp4");
        VideoWriter.write(DemoCommand.movingShapes(20, 32, 32), clip, 12);
        RunConfig c = config(dir, "video=" + clip, "video_length=all", "fps=0", "window.length=8");
        assertEquals(new TemporalWindows(8, 4, TemporalWindows.Weighting.PYRAMID), c.window());
        assertEquals(0, execute(c, false, quiet()));
        Path out = c.output().folder();
        var info = VideoReader.probe(out.resolve("video_by_bivdiff.mp4"));
        assertEquals(20, info.frameCount());
        assertEquals(12, info.fps(), 1e-6);
        for (String batch : List.of("0-8", "8-16", "16-20")) {
            assertTrue(Files.exists(out.resolve("stages/idm_frames." + batch + ".safetensors")), batch);
        }
        assertFalse(Files.exists(out.resolve("grid.gif")));
        Image8 strip = ImageFiles.read(out.resolve("grid.png"));
        assertEquals(8 * 32 + 7 * 2, strip.width(), "eight frames of each clip");
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(20, json.get("frames").asInt());
        assertEquals(12.0, json.get("fps").asDouble(), 1e-9);
        assertEquals(4, json.get("config").get("window").get("stride").asInt());
    }

    @Test
    void demoCommandRunsTheChain(@TempDir Path dir) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"demo", "--cache", cache.toString(), "--output", dir.resolve("demo").toString(),
            "--steps", "2", "--threads", "2"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.exists(dir.resolve("demo/video_by_bivdiff.gif")));
        assertTrue(Files.exists(dir.resolve("demo/grid.gif")));
        assertTrue(Files.exists(dir.resolve("demo/demo.yaml")));
    }

    /** A progress listener that records every stage it sees. */
    private static ProgressBar recording(List<String> stages) {
        return new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false) {
            @Override
            public synchronized void onStep(Progress p) {
                stages.add(p.stage());
            }

            @Override
            synchronized void note(String message) {
                stages.add("note: " + message);
            }
        };
    }

    @Test
    void aWrongOrBrokenVideoModelIsRefusedBeforeStageOne(@TempDir Path dir) throws Exception {
        List<String> events = new ArrayList<>();
        var sd = assertThrows(UsageException.class, () -> execute(config(dir, "models.video="
                + models.resolve("stable-diffusion")), false, recording(events)));
        assertTrue(sd.getMessage().contains("video model's UNet: " + models.resolve("stable-diffusion/unet/config.json")
                + ": _class_name is 'UNet2DConditionModel', expected UNet3DConditionModel"), sd.getMessage());
        Path broken = dir.resolve("broken-video-model");
        copyTree(models.resolve("zeroscope"), broken);
        Path weights = broken.resolve("unet/diffusion_pytorch_model.safetensors");
        try (var ch = java.nio.channels.FileChannel.open(weights, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(weights) / 2);
        }
        var truncated = assertThrows(UsageException.class, () -> execute(config(dir, "models.video=" + broken), false,
                recording(events)));
        assertTrue(truncated.getMessage().contains("video model's UNet: " + weights + ": tensor '")
                && truncated.getMessage().contains("out of range"), truncated.getMessage());
        assertTrue(events.stream().noneMatch(e -> !e.startsWith("note: ")), "no stage started: " + events);
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }

    @Test
    void aRunThatCannotFitInMemoryIsRefusedBeforeAnyModelLoadsOrVideoIsRead(@TempDir Path dir) throws Exception {
        List<String> events = new ArrayList<>();
        var e = assertThrows(UsageException.class, () -> execute(config(dir, "width=100000", "height=100000"), false,
                recording(events)));
        assertTrue(e.getMessage().contains("the run needs about") && e.getMessage().contains("more than this machine's")
                && e.getMessage().contains("make the frames smaller"), e.getMessage());
        assertTrue(events.stream().noneMatch(x -> !x.startsWith("note: ")), "no stage started: " + events);
        assertFalse(Files.exists(dir.resolve("out")), "nothing written, the video not read");
    }

    @Test
    void twoConcurrentRunsIntoOneFolderExactlyOneRuns(@TempDir Path dir) throws Exception {
        RunConfig c = config(dir, "strategy=idm-only");
        var start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Integer>> runs = new ArrayList<>();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> {
                    start.await();
                    return execute(c, false, quiet());
                }));
            }
            start.countDown();
            int ok = 0;
            List<String> refusals = new ArrayList<>();
            for (var run : runs) {
                try {
                    ok += run.get() == 0 ? 1 : 0;
                } catch (java.util.concurrent.ExecutionException ex) {
                    assertTrue(ex.getCause() instanceof UsageException, String.valueOf(ex.getCause()));
                    refusals.add(ex.getCause().getMessage());
                }
            }
            assertEquals(1, ok, "exactly one run: " + refusals);
            assertEquals(1, refusals.size());
            String refusal = refusals.getFirst();
            assertTrue(refusal.contains("is in use by another run (process " + ProcessHandle.current().pid())
                    || refusal.contains("holds a run already; pass --resume"), refusal);
        } finally {
            pool.shutdownNow();
        }
        JsonNode json = new ObjectMapper().readTree(c.output().folder().resolve("run.json").toFile());
        assertEquals("complete", json.get("status").asText());
    }

    @Test
    void aLockLeftByADeadProcessIsTakenOver(@TempDir Path dir) throws Exception {
        RunConfig c = config(dir, "strategy=idm-only");
        Files.createDirectories(c.output().folder());
        Files.writeString(c.output().folder().resolve(org.bivdiff.io.FolderLock.FILE), "process 999999999 on elsewhere, started "
                + "2026-01-01T00:00:00Z\n");
        List<String> events = new ArrayList<>();
        assertEquals(0, execute(c, false, recording(events)));
        assertTrue(events.contains("note: took over the lock of " + c.output().folder() + " left by a run that ended without "
                + "releasing it (process 999999999 on elsewhere, started 2026-01-01T00:00:00Z)"), events.toString());
        assertEquals("", Files.readString(c.output().folder().resolve(org.bivdiff.io.FolderLock.FILE)), "released");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    /**
     * Ctrl-C in a real process: run.json ends {@code interrupted} with the stage, and while the process held the
     * folder, another run into it was refused naming that process.
     */
    @Test
    void ctrlCEndsTheRunInterruptedAndTheFolderWasHeldUntilThen(@TempDir Path dir) throws Exception {
        RunConfig c = config(dir, "steps=900");
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        // env --default-signal: a child of a background process (as the test JVM may be) inherits SIGINT ignored
        Process child = new ProcessBuilder("env", "--default-signal=INT", javaBin, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                dir.resolve("run.yaml").toString(), "--set", "steps=900", "--threads", "1").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (var err = new java.io.BufferedReader(new java.io.InputStreamReader(child.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = err.readLine()) != null && !line.startsWith("controlnet ")) {
                seen.append(line).append('\n');
            }
            assertTrue(line != null, "the child never reached the frame stage:\n" + seen);
            var busy = assertThrows(UsageException.class, () -> execute(c, false, quiet()));
            assertTrue(busy.getMessage().contains("is in use by another run (process " + child.pid()), busy.getMessage());
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor());
            // A bound against a hang, not a timing: the child stops at its next step.
            assertTrue(child.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "the child did not stop");
            err.transferTo(java.io.Writer.nullWriter());
        } finally {
            child.destroyForcibly();
        }
        assertEquals(130, child.exitValue());
        JsonNode json = new ObjectMapper().readTree(c.output().folder().resolve("run.json").toFile());
        assertEquals("interrupted", json.get("status").asText());
        assertEquals("controlnet", json.get("stage").asText());
        assertEquals("stopped by a signal (Ctrl-C, or kill)", json.get("error").asText());
    }
}
