package org.bivdiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bivdiff.bivdiff.Strategy;
import org.bivdiff.cli.config.RunConfig;
import org.bivdiff.cli.config.RunConfigReader;
import org.bivdiff.evaluation.Ablation;
import org.bivdiff.evaluation.Metric;
import org.bivdiff.media.VideoReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bivdiff ablate} on the demo's tiny models: two mixing ratios share the frames, their encoding and the
 * inversions; the table's numbers are the clip_eval formulas computed here; which strategies a task allows.
 */
class AblateCommandTest {

    private static final String PROMPT = "a red square sliding past a blue ball";

    @TempDir
    static Path dir;
    private static Path models;
    private static Path config;

    @BeforeAll
    static void tinyModels() throws Exception {
        models = DemoCommand.tinyModels(dir.resolve("cache"),
                new ProgressBar(new PrintStream(new ByteArrayOutputStream()), false));
        String text = DemoCommand.config(models, dir.resolve("run"), 1).replace("video_length: 8", "video_length: 4")
                .replace("width: 64", "width: 32").replace("height: 64", "height: 32");
        config = dir.resolve("run.yaml");
        Files.writeString(config, text);
    }

    private static int ablate(ByteArrayOutputStream out, ByteArrayOutputStream err, String... words) {
        List<String> all = new ArrayList<>(List.of("ablate", config.toString(), "--clip",
                models.resolve("clip-model").toString(), "--threads", "2"));
        all.addAll(List.of(words));
        return Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void ratiosShareTheFramesAndInversionsAndTheTableIsTheFormulas() throws Exception {
        Path folder = dir.resolve("ablation");
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = ablate(out, err, "--strategies", "sequential,idm-only", "--ratios", "0.5", "1", "--output",
                folder.toString());
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("sharing stages saved about"), printed);

        JsonNode ablation = new ObjectMapper().readTree(folder.resolve("ablation.json").toFile());
        JsonNode variants = ablation.get("variants");
        assertEquals(3, variants.size());
        assertEquals("sequential a=0.5", variants.get(0).get("name").asText());
        assertEquals(0, variants.get(0).get("shared_stages").size(), "the first variant computes everything");
        assertTrue(variants.get(0).get("stage_seconds").has("inversion (video)"));
        assertEquals(List.of("idm_frames", "frame_latents", "inversion_image"),
                new ObjectMapper().convertValue(variants.get(1).get("shared_stages"), List.class),
                "ratio 1 takes the frames, their encoding and the image inversion from ratio 0.5's run");
        assertEquals(List.of("idm_frames"), new ObjectMapper().convertValue(variants.get(2).get("shared_stages"),
                List.class));
        assertTrue(ablation.get("saved_seconds_by_sharing").asDouble() > 0);

        JsonNode scores = new ObjectMapper().readTree(folder.resolve("scores.json").toFile());
        String[] slugs = {"sequential-a0.5", "sequential-a1.0", "idm-only"};
        for (int i = 0; i < slugs.length; i++) {
            JsonNode row = scores.get("videos").get(i);
            assertEquals(variants.get(i).get("name").asText(), row.get("name").asText());
            double[] expected = ClipScoresByHand.scores(models.resolve("clip-model"),
                    ClipScoresByHand.pngFrames(folder.resolve("frames").resolve(slugs[i])), PROMPT);
            Metric[] metrics = Metric.values();
            for (int m = 0; m < metrics.length; m++) {
                assertEquals(expected[m], row.get("scores").get(metrics[m].key()).asDouble(),
                        1e-5 * Math.max(1, Math.abs(expected[m])), slugs[i] + " " + metrics[m].key());
            }
        }
        // Source, condition and the three results side by side.
        var grid = VideoReader.probe(folder.resolve("grid.gif"));
        assertEquals(4, grid.frameCount());
        assertEquals(5 * 32 + 4 * 2, grid.width());
        assertTrue(Files.readString(folder.resolve("table.md")).contains("| sequential a=1.0 | sequential | 1.0 |"));

        var again = ablate(new ByteArrayOutputStream(), err, "--strategies", "idm-only", "--output", folder.toString());
        assertEquals(2, again, "a finished ablation is not overwritten");
    }

    @Test
    void theDefaultStrategiesAreThoseTheTaskAllows() throws Exception {
        RunConfig controlNet = RunConfigReader.read(config, List.of(), null);
        List<Ablation.Variant> all = AblateCommand.variants(controlNet, List.of(), List.of("0.25,0.75"));
        assertEquals(List.of(new Ablation.Variant(Strategy.SEQUENTIAL, 0.25), new Ablation.Variant(Strategy.SEQUENTIAL, 0.75),
                new Ablation.Variant(Strategy.IDM_ONLY, 0.25), new Ablation.Variant(Strategy.VDM_ONLY, 0.25),
                new Ablation.Variant(Strategy.ALTERNATE, 0.25), new Ablation.Variant(Strategy.FUSE, 0.25),
                new Ablation.Variant(Strategy.FUSE, 0.75)), all);
        RunConfig frames = RunConfigReader.read(config, List.of("task=frames", "frames=" + models.resolve("clip.mp4")),
                null);
        assertEquals(List.of(Strategy.SEQUENTIAL, Strategy.IDM_ONLY, Strategy.VDM_ONLY),
                AblateCommand.variants(frames, List.of(), List.of()).stream().map(Ablation.Variant::strategy).toList(),
                "alternate and fuse need an image model at every step");
        var asked = assertThrows(UsageException.class,
                () -> AblateCommand.variants(frames, List.of("fuse"), List.of()));
        assertTrue(asked.getMessage().contains("fuse a=1.0: strategy 'fuse'"), asked.getMessage());
        var name = assertThrows(UsageException.class,
                () -> AblateCommand.variants(controlNet, List.of("blend"), List.of()));
        assertTrue(name.getMessage().contains("blend") && name.getMessage().contains("idm-only"), name.getMessage());
        var ratio = assertThrows(UsageException.class,
                () -> AblateCommand.variants(controlNet, List.of(), List.of("1.5")));
        assertTrue(ratio.getMessage().contains("1.5"), ratio.getMessage());
        var notNumber = assertThrows(UsageException.class,
                () -> AblateCommand.variants(controlNet, List.of(), List.of("half")));
        assertTrue(notNumber.getMessage().contains("--ratios"), notNumber.getMessage());
        var noClip = new ByteArrayOutputStream();
        assertEquals(2, Main.run(new String[] {"ablate", config.toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(noClip, true, StandardCharsets.UTF_8)));
        assertTrue(noClip.toString(StandardCharsets.UTF_8).contains("--clip"));
    }
}
