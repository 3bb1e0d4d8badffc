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

import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.graph.Engine;
import org.bivdiff.media.VideoReader;
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
        Path out = c.output();
        for (String f : List.of("source.gif", "condition.gif", "video_by_idm.gif", "video_by_bivdiff.gif",
                "video_by_bivdiff.mp4", "grid.gif", "stages/idm_frames.safetensors", "stages/mixed_inversion.safetensors")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        var info = VideoReader.probe(out.resolve("video_by_bivdiff.mp4"));
        assertEquals(4, info.frameCount());
        assertEquals(32, info.width());
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals("complete", json.get("status").asText());
        assertEquals(42, json.get("config").get("seed").asInt());
        assertTrue(json.get("config").get("models").get("t2iAdapter").isNull());
        assertTrue(json.get("stage_seconds").size() >= 2);
        // A second run into the same folder is refused rather than mixing two runs.
        var again = assertThrows(UsageException.class, () -> execute(c, false, quiet()));
        assertTrue(again.getMessage().contains("--resume"), again.getMessage());
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
        JsonNode interrupted = new ObjectMapper().readTree(c.output().resolve("run.json").toFile());
        assertEquals("running", interrupted.get("status").asText());
        assertFalse(Files.exists(c.output().resolve("video_by_bivdiff.gif")), "no output may look complete");
        List<String> stages = new ArrayList<>();
        ProgressBar recording = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false) {
            @Override
            public synchronized void onStep(Progress p) {
                stages.add(p.stage());
            }
        };
        assertEquals(0, execute(c, true, recording));
        // the Canny condition is computed again from the source; the image model's frames and the inversion are not
        assertTrue(stages.contains("temporal smoothing")
                && stages.stream().allMatch(s -> s.equals("temporal smoothing") || s.equals("canny")), stages.toString());
        JsonNode done = new ObjectMapper().readTree(c.output().resolve("run.json").toFile());
        assertEquals("complete", done.get("status").asText());
        assertEquals(2, done.get("resumed_stages").size());
    }

    @Test
    void prompt2PromptInvertsEditsFrameByFrameThenSmooths(@TempDir Path dir) throws Exception {
        RunConfig c = config(dir, "task=p2p", "edit.prompt=a red square sliding past a blue ball in the snow",
                "edit.type=refine");
        assertEquals("a red square sliding past a blue ball in the snow", c.videoPrompt(), "smoothing follows the edit");
        assertEquals(0.25, c.mixingRatio(), "the paper's ratio for Prompt-to-Prompt");
        assertEquals("", c.promptSuffix());
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
        assertEquals(4, VideoReader.probe(c.output().resolve("video_by_bivdiff.mp4")).frameCount());
        assertTrue(Files.size(c.output().resolve("video_by_idm.gif")) > 0);
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
        var e = assertThrows(IllegalArgumentException.class, () -> execute(c, false, recording));
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
        var bad = assertThrows(IOException.class, () -> execute(config(dir, "video=" + corrupt), false, quiet()));
        assertTrue(bad.getMessage().contains("corrupt.mp4"), bad.getMessage());
        var shortClip = assertThrows(IOException.class, () -> execute(config(dir, "video_length=40"), false, quiet()));
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
        assertFalse(Files.exists(dir.resolve("out/stages/mixed_inversion.safetensors")));
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
                assertTrue(Files.size(c.output().resolve(f)) > 0, strategy + ": " + f);
            }
            assertFalse(Files.exists(c.output().resolve("video_by_idm.gif")), strategy);
            assertFalse(Files.exists(c.output().resolve("stages/mixed_inversion.safetensors")), strategy);
            assertEquals(4, VideoReader.probe(c.output().resolve(name + ".mp4")).frameCount());
        }
        JsonNode json = new ObjectMapper().readTree(dir.resolve("alternate/out/run.json").toFile());
        assertTrue(json.get("stage_seconds").has("joint denoising (alternate)"), json.toString());
        assertArrayEquals(Files.readAllBytes(dir.resolve("vdm-only/out/video_by_vdm_only.gif")),
                Files.readAllBytes(dir.resolve("fuse/out/video_by_fuse.gif")), "fuse at a = 0 is text-to-video");
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
}
