package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.evaluation.Metric;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.FileTrees;
import org.bivdiff.media.Image8;
import org.bivdiff.media.ImageFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bivdiff eval} on a run of the demo's tiny models: its numbers are the clip_eval formulas computed here
 * from the run's frames; videos with a prompt and a LOVEU-TGVE-layout submission; what it refuses.
 */
class EvalCommandTest {

    private static final String PROMPT = "a red square sliding past a blue ball";

    @TempDir
    static Path dir;
    private static Path clip;
    private static Path run;

    @BeforeAll
    static void aFinishedRun() throws Exception {
        ProgressBar quiet = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false);
        Path models = DemoCommand.tinyModels(dir.resolve("cache"), quiet);
        clip = models.resolve("clip-model");
        String text = DemoCommand.config(models, dir.resolve("run"), 1).replace("video_length: 8", "video_length: 4")
                .replace("width: 64", "width: 32").replace("height: 64", "height: 32");
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, text);
        RunCommand.execute(RunConfigReader.read(file, List.of(), null), false, 0,
                new Engine(Engine.Options.defaults().withThreads(2)), new PrintStream(new ByteArrayOutputStream()), quiet);
        run = dir.resolve("run");
    }

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome eval(String... words) {
        List<String> all = new ArrayList<>(List.of("eval"));
        all.addAll(List.of(words));
        all.addAll(List.of("--threads", "2"));
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertScores(double[] expected, JsonNode scores, String what) {
        Metric[] metrics = Metric.values();
        for (int m = 0; m < metrics.length; m++) {
            double actual = scores.get(metrics[m].key()).asDouble();
            assertEquals(expected[m], actual, 1e-5 * Math.max(1, Math.abs(expected[m])), what + " " + metrics[m].key());
        }
    }

    @Test
    void aRunsResultAndImageModelFramesScoreAsTheFormulasSay() throws Exception {
        Outcome o = eval(run.toString(), "--clip", clip.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("prompt: " + PROMPT), o.out());
        assertTrue(o.out().contains(Metric.FRAME_CONSISTENCY.definition()), o.out());
        JsonNode json = new ObjectMapper().readTree(run.resolve("eval/scores.json").toFile());
        assertEquals(2, json.get("videos").size());
        for (JsonNode v : json.get("videos")) {
            String name = v.get("name").asText();
            List<Image8> frames = ClipScoresByHand.pngFrames(run.resolve("frames").resolve(name));
            assertEquals(4, frames.size());
            assertScores(ClipScoresByHand.scores(clip, frames, PROMPT), v.get("scores"), name);
        }
        assertEquals(List.of("video_by_bivdiff", "video_by_idm"),
                List.of(json.get("videos").get(0).get("name").asText(), json.get("videos").get(1).get("name").asText()));
        assertTrue(Files.readString(run.resolve("eval/table.md")).contains("| video_by_bivdiff |"));
        assertTrue(!json.has("mean"), "a result and its frames are compared, not averaged");
    }

    @Test
    void videosWithAPromptAndABenchmarkSubmission(@TempDir Path tmp) throws Exception {
        Outcome videos = eval("--video", run.resolve("video_by_bivdiff.mp4").toString(),
                run.resolve("frames/video_by_idm").toString(), "--prompt", "a blue ball", "--clip", clip.toString(),
                "--out", tmp.resolve("videos").toString());
        assertEquals(0, videos.code(), videos.err());
        JsonNode v = new ObjectMapper().readTree(tmp.resolve("videos/scores.json").toFile());
        assertEquals("video_by_bivdiff.mp4", v.get("videos").get(0).get("name").asText());
        assertScores(ClipScoresByHand.scores(clip, ClipScoresByHand.pngFrames(run.resolve("frames/video_by_idm")),
                "a blue ball"), v.get("videos").get(1).get("scores"), "frame folder");
        assertTrue(v.has("mean"));

        // A submission in the benchmark's layout: JPEG frames, prompts from the table.
        Path edit = Files.createDirectories(tmp.resolve("submission/DAVIS_480p/square/style"));
        List<Image8> frames = ClipScoresByHand.pngFrames(run.resolve("frames/video_by_bivdiff"));
        for (int i = 0; i < frames.size(); i++) {
            ImageFiles.write(frames.get(i), edit.resolve(String.format("%05d.jpg", i)));
        }
        Path csv = tmp.resolve("table.csv");
        Files.writeString(csv, "Video name,Our GT caption,Style Change Caption,Object Change Caption,"
                + "Background Change Caption,Multiple Changes Caption\nsquare,a square,\"a square, in ink\",,,\n");
        Outcome bench = eval("--benchmark", tmp.resolve("submission").toString(), "--csv", csv.toString(), "--rows",
                "all", "--clip", clip.toString(), "--out", tmp.resolve("bench").toString());
        assertEquals(0, bench.code(), bench.err());
        JsonNode b = new ObjectMapper().readTree(tmp.resolve("bench/scores.json").toFile());
        assertEquals("DAVIS_480p/square/style", b.get("videos").get(0).get("name").asText());
        List<Image8> decoded = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            decoded.add(ImageFiles.read(edit.resolve(String.format("%05d.jpg", i))));
        }
        assertScores(ClipScoresByHand.scores(clip, decoded, "a square, in ink"), b.get("videos").get(0).get("scores"),
                "benchmark");
        assertEquals(2, eval("--benchmark", tmp.resolve("submission").toString(), "--csv", csv.toString(), "--rows",
                "some", "--clip", clip.toString()).code());
    }

    @Test
    void whatCannotBeScoredIsSaidBeforeAnyModelLoads(@TempDir Path tmp) throws Exception {
        Outcome noClip = eval(run.toString());
        assertEquals(2, noClip.code());
        assertTrue(noClip.err().contains("--clip DIR is needed"), noClip.err());
        Outcome notRun = eval(tmp.toString(), "--clip", clip.toString());
        assertEquals(2, notRun.code());
        assertTrue(notRun.err().contains("not a run folder"), notRun.err());
        Outcome noPrompt = eval("--video", run.resolve("video_by_bivdiff.mp4").toString(), "--clip", clip.toString());
        assertEquals(2, noPrompt.code());
        assertTrue(noPrompt.err().contains("--prompt"), noPrompt.err());
        Outcome nothing = eval("--clip", clip.toString());
        assertEquals(2, nothing.code());

        Path copy = tmp.resolve("copy");
        Files.createDirectories(copy);
        Files.writeString(copy.resolve("run.json"), Files.readString(run.resolve("run.json"))
                .replace("\"complete\"", "\"running\""));
        Outcome running = eval(copy.toString(), "--clip", clip.toString());
        assertEquals(2, running.code());
        assertTrue(running.err().contains("not complete"), running.err());
        Files.writeString(copy.resolve("run.json"), Files.readString(run.resolve("run.json")));
        Outcome noFrames = eval(copy.toString(), "--clip", clip.toString());
        assertEquals(2, noFrames.code());
        assertTrue(noFrames.err().contains("frames/video_by_bivdiff/") && noFrames.err().contains("--video"),
                noFrames.err());
        FileTrees.deleteTree(copy);
    }
}
