package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bivdiff.cli.config.ConfigFileException;
import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.hub.HubSettings;
import org.bivdiff.io.hub.HubStandIn;
import org.bivdiff.io.hub.ModelLocator;
import org.bivdiff.io.hub.SnapshotDownload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bivdiff models pull|list} against the loopback Hub stand-in, and {@code bivdiff demo}'s tiny
 * models published there, pulled, and run by their ids.
 */
class ModelsCommandTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));

    @TempDir
    static Path dir;
    private static Path demo;
    private static HubStandIn hub;

    @BeforeAll
    static void publishTheDemoModels() throws IOException {
        demo = DemoCommand.tinyModels(dir.resolve("demo-cache"), quiet());
        hub = new HubStandIn("hf_token");
        hub.publish("bivdiff/tiny-sd15", demo.resolve("stable-diffusion"));
        hub.publish("bivdiff/tiny-controlnet-canny", demo.resolve("controlnet-canny"));
        hub.publish("bivdiff/tiny-zeroscope", demo.resolve("zeroscope"));
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    private static ProgressBar quiet() {
        return new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false);
    }

    private static HubSettings settings(Path cache) {
        return hub.settings(cache, null);
    }

    private static String models(HubSettings settings, String... words) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, ModelsCommand.run(List.of(words), new PrintStream(out, true, StandardCharsets.UTF_8), settings,
                quiet()));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void demoModelsArePulledAndRunByTheirIds() throws Exception {
        Path cache = dir.resolve("hub-run");
        HubSettings settings = settings(cache);
        String pulled = models(settings, "pull", "bivdiff/tiny-sd15");
        assertTrue(pulled.startsWith("bivdiff/tiny-sd15 is commit "), pulled);
        assertTrue(pulled.contains(cache.resolve("models--bivdiff--tiny-sd15/snapshots").toString()), pulled);
        models(settings, "pull", "bivdiff/tiny-controlnet-canny");
        // the run names models by id; the video model is missing and is pulled by the locator
        Path out = dir.resolve("run-by-id");
        String text = DemoCommand.config(demo, out, 1).replace("video_length: 8", "video_length: 2")
                .replace("width: 64", "width: 32").replace("height: 64", "height: 32")
                .replace(demo.resolve("stable-diffusion").toString(), "bivdiff/tiny-sd15")
                .replace(demo.resolve("controlnet-canny").toString(), "bivdiff/tiny-controlnet-canny@main")
                .replace(demo.resolve("zeroscope").toString(), "bivdiff/tiny-zeroscope");
        Path file = dir.resolve("by-id.yaml");
        Files.writeString(file, text);
        ConfigFileException missing = assertThrows(ConfigFileException.class,
                () -> RunConfigReader.read(file, List.of(), null, ModelLocator.cacheOnly(settings)));
        assertTrue(missing.getMessage().contains("models.video = bivdiff/tiny-zeroscope: ")
                && missing.getMessage().contains("bin/bivdiff models pull bivdiff/tiny-zeroscope"), missing.getMessage());
        RunConfig config = RunConfigReader.read(file, List.of(), null,
                ModelLocator.downloading(new SnapshotDownload(settings), quiet().downloads()));
        Path snapshots = cache.resolve("models--bivdiff--tiny-sd15/snapshots");
        assertTrue(config.models().stableDiffusion().startsWith(snapshots), config.models().stableDiffusion().toString());
        assertTrue(config.models().video().startsWith(cache.resolve("models--bivdiff--tiny-zeroscope/snapshots")));
        assertEquals(0, RunCommand.execute(config, false, 0, ENGINE, new PrintStream(new ByteArrayOutputStream()),
                quiet()));
        assertTrue(Files.size(out.resolve("video_by_bivdiff.gif")) > 0);
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals("complete", run.path("status").asText());
        assertEquals(config.models().controlNet().toString(), run.path("config").path("models").path("controlNet")
                .asText());
        // the run read the demo's own bytes, through the cache's links
        assertEquals(List.of(), mismatch(demo.resolve("zeroscope"), config.models().video()));
        assertEquals(List.of(), mismatch(demo.resolve("controlnet-canny"), config.models().controlNet()));
    }

    @Test
    void listShowsRepositoriesRevisionsAndSizes() throws Exception {
        Path cache = dir.resolve("hub-list");
        HubSettings settings = settings(cache);
        assertTrue(models(settings, "list").contains("holds no models"));
        models(settings, "pull", "bivdiff/tiny-controlnet-canny");
        String list = models(settings, "list");
        long weights = Files.size(demo.resolve("controlnet-canny/diffusion_pytorch_model.safetensors"));
        long config = Files.size(demo.resolve("controlnet-canny/config.json"));
        String[] lines = list.split("\n");
        assertTrue(lines[0].startsWith("bivdiff/tiny-controlnet-canny"), list);
        assertTrue(lines[1].trim().startsWith("main "), list);
        assertTrue(lines[1].contains("2 files"), list);
        assertTrue(lines[1].endsWith(org.bivdiff.io.ByteSize.format(weights + config)), list);
        assertTrue(lines[2].startsWith("1 repositories"), list);
    }

    @Test
    void eachFileShowsBytesRateAndTimeLeft() throws Exception {
        HubSettings settings = settings(dir.resolve("hub-progress"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(log, true, StandardCharsets.UTF_8), false);
        PrintStream none = new PrintStream(new ByteArrayOutputStream());
        assertEquals(0, ModelsCommand.run(List.of("pull", "bivdiff/tiny-controlnet-canny"), none, settings, bar));
        String size = org.bivdiff.io.ByteSize.format(Files.size(demo.resolve(
                "controlnet-canny/diffusion_pytorch_model.safetensors")));
        String last = log.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("diffusion_pytorch_model.safetensors")).reduce((a, b) -> b).orElseThrow();
        assertTrue(last.matches("diffusion_pytorch_model\\.safetensors +\\[#{30}\\] " + java.util.regex.Pattern.quote(
                size + " / " + size) + "  \\S+ \\S+/s  0:00 left"), last);
        log.reset();
        assertEquals(0, ModelsCommand.run(List.of("pull", "bivdiff/tiny-controlnet-canny"), none, settings, bar));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("config.json"), log.toString());
        assertTrue(log.toString(StandardCharsets.UTF_8).lines().allMatch(l -> l.endsWith("already in the cache")),
                log.toString());
    }

    @Test
    void pullSelectsWithIncludeAndVariant() throws Exception {
        Path cache = dir.resolve("hub-include");
        String out = models(settings(cache), "pull", "bivdiff/tiny-sd15", "--include", "unet/*", "--cache",
                cache.toString());
        assertTrue(out.contains(": 2 files"), out);
        hub.publish("bivdiff/empty", Map.of("README.md", "# nothing".getBytes(StandardCharsets.UTF_8)), false);
        Exception e = assertThrows(Exception.class, () -> models(settings(cache), "pull", "bivdiff/empty"));
        assertTrue(e.getMessage().contains("choose files with --include GLOB"), e.getMessage());
    }

    @Test
    void badUsageIsAnError() {
        HubSettings s = settings(dir.resolve("unused"));
        assertThrows(UsageException.class, () -> ModelsCommand.run(List.of(), System.out, s, quiet()));
        assertThrows(UsageException.class, () -> ModelsCommand.run(List.of("pull"), System.out, s, quiet()));
        assertThrows(UsageException.class, () -> ModelsCommand.run(List.of("push", "a/b"), System.out, s, quiet()));
        assertThrows(UsageException.class, () -> ModelsCommand.run(List.of("pull", "a/b", "--revision", "x"),
                System.out, s, quiet()));
        Exception notAnId = assertThrows(Exception.class, () -> ModelsCommand.run(List.of("pull", "sd15"), System.out, s,
                quiet()));
        assertTrue(notAnId.getMessage().contains("is not a model id"), notAnId.getMessage());
    }

    /** Files under {@code a} whose bytes differ from (or are missing at) the same path under {@code b}. */
    private static List<String> mismatch(Path a, Path b) throws IOException {
        try (var s = Files.walk(a)) {
            return s.filter(Files::isRegularFile).filter(f -> {
                try {
                    Path other = b.resolve(a.relativize(f).toString());
                    return !Files.exists(other) || !java.util.Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(other));
                } catch (IOException e) {
                    return true;
                }
            }).map(f -> a.relativize(f).toString()).toList();
        }
    }
}
