package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.bivdiff.MixingRatio;
import org.bivdiff.graph.Engine;
import org.bivdiff.media.annotators.Canny;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.pipelines.Outpainting;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's library example, run on tiny random models: the builder with the task's defaults is the run the
 * pipeline makes from the explicit request with the paper's values, bit for bit; and the catalogue's inputs.
 */
class BivdiffTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));
    private static final int SIDE = 32;
    /** Fewer than the default 50, for time; the README's example runs 50. */
    private static final int STEPS = 4;

    @TempDir
    static Path dir;
    static Path sd;
    static Path controlNet;
    static Path zeroscope;

    @BeforeAll
    static void tinyModels() throws Exception {
        sd = TinyModels.stableDiffusion(dir.resolve("sd"), 1);
        controlNet = TinyModels.controlNet(dir.resolve("controlnet"), 2);
        zeroscope = TinyModels.videoModel(dir.resolve("video"), 3);
    }

    /** (2, 3, SIDE, SIDE) in [-1, 1]: a bright square on a gradient, moving one pixel. */
    private static Tensor clip() {
        int plane = SIDE * SIDE;
        float[] px = new float[2 * 3 * plane];
        for (int f = 0; f < 2; f++) {
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    boolean in = x >= 8 + f && x < 20 + f && y >= 10 && y < 22;
                    for (int c = 0; c < 3; c++) {
                        px[f * 3 * plane + c * plane + y * SIDE + x] = in ? 0.9f : -0.6f + 0.8f * x / SIDE;
                    }
                }
            }
        }
        return Tensor.of(px, 2, 3, SIDE, SIDE);
    }

    @Test
    void theReadmeExampleRunsWithThePapersDefaults() throws Exception {
        Engine engine = ENGINE;
        Tensor frames = clip();
        Tensor edges = Canny.controlImages(frames, 100, 200);
        BivdiffPipeline.Result result = Bivdiff.task(Task.CONTROLNET)
                .stableDiffusion(sd).network(controlNet).video(zeroscope)
                .prompt("a red car turning on a snowy road")
                .source(frames).condition(edges)
                .steps(STEPS)
                .run(engine);
        Tensor video = result.video();
        assertArrayEquals(new int[] {1, 3, 2, SIDE, SIDE}, video.shape());

        // The same run spelled out: ControlNet's ratio 1, BIVDiff's tags and negative prompt, guidance 7.5, seed 42.
        var settings = new FrameGenerator.Settings(new Prompt("a red car turning on a snowy road" + Task.QUALITY_SUFFIX,
                Task.QUALITY_NEGATIVE), STEPS, 7.5, 42, FrameGenerator.DEFAULT_MAX_BATCH, RunEvents.NONE);
        var explicit = new BivdiffPipeline.Request(Task.CONTROLNET.generator(ImageModels.withNetwork(sd, controlNet),
                Task.CONTROLNET.defaultOptions(), engine), new FrameGenerator.Inputs(frames, edges, null), settings,
                "a red car turning on a snowy road" + Task.QUALITY_SUFFIX, Task.QUALITY_NEGATIVE, MixingRatio.IMAGE_ONLY,
                Strategy.SEQUENTIAL, InversionAndSmoothing.Options.BIVDIFF);
        var models = InversionAndSmoothing.Models.ofPipelines(sd, VideoModel.of(zeroscope, null));
        BivdiffPipeline.Result expected = new BivdiffPipeline(models, engine).run(explicit, StageStore.NONE);
        assertArrayEquals(expected.video().data(), video.data());
        assertTrue(result.stages().orElseThrow().inversion().videoBranch().isEmpty(),
                "at ControlNet's ratio 1 the video model does not invert");
    }

    @Test
    void theReadmeShowsTheExampleThisTestRuns() throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        String test = Files.readString(Path.of("src/test/java/org/bivdiff/bivdiff/BivdiffTest.java"),
                StandardCharsets.UTF_8);
        int from = readme.indexOf("BivdiffPipeline.Result result = Bivdiff.task(");
        int to = readme.indexOf(".run(engine);", from);
        assertTrue(from >= 0 && to > from, "README.md has no Bivdiff example");
        for (String line : readme.substring(from, to).split("\n")) {
            assertTrue(test.contains(line.strip()), "README line not run by this test: " + line);
        }
    }

    @Test
    void outpaintingMakesBivdiffsBorderBandsAndTasksAskForTheirInputs() {
        Tensor frames = clip();
        TaskOptions options = Task.OUTPAINTING.defaultOptions();
        FrameGenerator.Inputs in = Task.OUTPAINTING.inputs(frames, null, null, options);
        Tensor band = Outpainting.mask(Outpainting.Direction.HORIZONTAL, SIDE, SIDE);
        assertArrayEquals(new int[] {2, 1, SIDE, SIDE}, in.masks().shape());
        assertArrayEquals(band.data(), in.masks().slice0(1, 2).data());
        assertEquals(1f, in.masks().data()[0], "the top band is repainted");
        var missing = assertThrows(IllegalArgumentException.class,
                () -> Task.CONTROLNET.inputs(frames, null, null, Task.CONTROLNET.defaultOptions()));
        assertTrue(missing.getMessage().contains("condition images"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Task.parse("txt2img"), "not a video task");
        assertEquals(Task.INPAINTING, Task.parse("inpaint"));
        assertFalse(Task.TEXT_TO_IMAGE.isVideoTask());
        assertEquals(List.of(0.25, 0.1), List.of(Task.PROMPT2PROMPT.defaultMixingRatio(),
                Task.INPAINTING.defaultMixingRatio()));
    }
}
