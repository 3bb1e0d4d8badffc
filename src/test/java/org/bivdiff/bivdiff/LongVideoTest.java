package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.bivdiff.bivdiff.TemporalWindows.Weighting;
import org.bivdiff.graph.Engine;
import org.bivdiff.io.DiffusersFolder;
import org.bivdiff.models.VideoUNet;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.models.unet3d.UNet3DConditionModel;
import org.bivdiff.models.vae.AutoencoderKLConfig;
import org.bivdiff.pipelines.Cancellation;
import org.bivdiff.pipelines.DenoisingLoop;
import org.bivdiff.pipelines.ProgressListener;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.PromptEmbeddings;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.pipelines.StepNoise;
import org.bivdiff.pipelines.p2p.AttentionEdit;
import org.bivdiff.schedulers.DdimInversion;
import org.bivdiff.schedulers.DdimInversion.InversionKind;
import org.bivdiff.schedulers.DdimScheduler;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Videos longer than the video model's window, on the tiny random-weight models: windows at least as long as the
 * video change nothing, seams between windows are no rougher than the inside of a window, and the frame stage makes
 * the same frames in batches, storing each so that a resumed run keeps them.
 */
class LongVideoTest {

    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));
    private static final int SIDE = 32;
    private static final int STEPS = 2;
    private static final long SEED = 11;

    @TempDir
    static Path dir;
    private static Path sd;
    private static Path controlNet;
    private static Path video;

    @BeforeAll
    static void tinyModels() throws IOException {
        sd = TinyModels.stableDiffusion(dir.resolve("sd"), 1);
        controlNet = TinyModels.controlNet(dir.resolve("controlnet"), 2);
        video = TinyModels.videoModel(dir.resolve("video"), 3);
    }

    /** (F, 3, SIDE, SIDE) in [-1, 1]: a bright square moving right over a gradient, one pixel per frame. */
    private static Tensor clip(int frames) {
        int plane = SIDE * SIDE;
        float[] px = new float[frames * 3 * plane];
        for (int f = 0; f < frames; f++) {
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    boolean in = x >= f && x < f + SIDE / 4 && y >= SIDE / 3 && y < SIDE / 3 + SIDE / 4;
                    float g = -0.6f + 0.8f * x / SIDE;
                    int i = f * 3 * plane + y * SIDE + x;
                    px[i] = in ? 0.9f : g;
                    px[i + plane] = in ? -0.8f : g * 0.5f;
                    px[i + 2 * plane] = in ? -0.8f : -0.3f;
                }
            }
        }
        return Tensor.of(px, frames, 3, SIDE, SIDE);
    }

    private static FrameGenerator controlNetFrames() {
        return Task.CONTROLNET.generator(ImageModels.withNetwork(sd, controlNet), Task.CONTROLNET.defaultOptions(),
                ENGINE);
    }

    private static FrameGenerator.Inputs inputs(int frames) {
        Tensor source = clip(frames);
        return new FrameGenerator.Inputs(source, ImageModelFrames.toUnit(source), null);
    }

    private static FrameGenerator.Settings settings(ProgressListener progress) {
        return new FrameGenerator.Settings(new Prompt("a red square", ""), STEPS, 7.5, SEED, 2,
                RunEvents.of(progress, Cancellation.NONE));
    }

    private static BivdiffPipeline.Request request(FrameGenerator generator, int frames, Strategy strategy,
                                                   InversionAndSmoothing.Options options, ProgressListener progress) {
        return new BivdiffPipeline.Request(generator, inputs(frames), settings(progress), "a red square", "", new MixingRatio(0.5),
                strategy, options);
    }

    @Test
    void aWindowAtLeastAsLongAsTheVideoChangesNoBit() throws Exception {
        var models = InversionAndSmoothing.Models.ofPipelines(sd, VideoModel.of(video, null));
        FrameGenerator generator = controlNetFrames();
        var pipeline = new BivdiffPipeline(models, ENGINE);
        var bivdiff = pipeline.run(request(generator, 4, Strategy.SEQUENTIAL, InversionAndSmoothing.Options.BIVDIFF,
                ProgressListener.NONE), StageStore.NONE);
        var windowed = pipeline.run(request(generator, 4, Strategy.SEQUENTIAL,
                InversionAndSmoothing.Options.BIVDIFF.withWindows(TemporalWindows.of(4)), ProgressListener.NONE),
                StageStore.NONE);
        assertArrayEquals(bivdiff.idmFrames().orElseThrow().data(), windowed.idmFrames().orElseThrow().data());
        var a = bivdiff.stages().orElseThrow();
        var b = windowed.stages().orElseThrow();
        assertArrayEquals(a.inversion().imageBranch().orElseThrow().data(), b.inversion().imageBranch().orElseThrow().data());
        assertArrayEquals(a.inversion().videoBranch().orElseThrow().data(), b.inversion().videoBranch().orElseThrow().data());
        assertArrayEquals(a.smoothedLatents().data(), b.smoothedLatents().data());
        assertArrayEquals(bivdiff.video().data(), windowed.video().data());
    }

    /**
     * The windows wrap whichever video model runs: VidRD's inversion in windows of 4 over 6 frames is exactly its UNet
     * run window by window and blended, and differs from the whole video at once.
     */
    @Test
    void vidrdIsRunInWindowsToo() throws Exception {
        Path checkpoint = TinyModels.vidrd(dir.resolve("vidrd"), 12);
        VideoModel vidrd = VideoModel.of(dir.resolve("vidrd/stable-diffusion-2-1-base"), checkpoint);
        var models = InversionAndSmoothing.Models.ofPipelines(sd, vidrd);
        var stages = new InversionAndSmoothing(models, ENGINE);
        int frames = 6;
        int[] latentShape = AutoencoderKLConfig.read(models.vae()).latentShape(frames, SIDE, SIDE);
        var request = InversionAndSmoothing.Request.of(clip(frames), StepNoise.seeded(SEED).draw(0, latentShape),
                frames, "a red square", Optional.empty(), STEPS, 7.5, new MixingRatio(0.0));
        TemporalWindows windows = new TemporalWindows(4, 2, Weighting.PYRAMID);
        var whole = stages.run(request);
        var windowed = stages.run(request.withOptions(InversionAndSmoothing.Options.BIVDIFF.withWindows(windows)));
        Tensor expected;
        try (VideoUNet unet = vidrd.loadUnet(ENGINE)) {
            var branch = new MixedInversion.Branch(unet::forward, windowed.videoEmbedding());
            expected = DenoisingLoop.invert(DdimInversion.create(SchedulerConfig.read(models.scheduler()), STEPS,
                    InversionKind.BIVDIFF_REVERSE_STEP), windowed.encodedLatents(),
                    windows.wrap(MixedInversion.predictor(branch, 1)));
        }
        Tensor z = windowed.inversion().videoBranch().orElseThrow();
        assertArrayEquals(expected.data(), z.data());
        assertFalse(Arrays.equals(whole.inversion().videoBranch().orElseThrow().data(), z.data()));
        assertFalse(Arrays.equals(whole.smoothedLatents().data(), windowed.smoothedLatents().data()));
    }

    /**
     * The measure: d(f) = mean |z[f + 1] - z[f]| over the channels and pixels of the smoothed latents, for each pair
     * of neighbouring frames, averaged over three prompts (random text states) to even out the random models' own
     * roughness. A pair is at a seam when a window starts or ends between its frames, inside a window otherwise. On
     * latents that move evenly, inverted and smoothed in windows of 8 with stride 4, pyramid-weighted, the largest d
     * at a seam must not exceed the largest d inside a window. The same measure finds the seams of windows that do
     * not overlap: there a seam's d is above every pair inside a window.
     */
    @Test
    void framesAtWindowSeamsAreNoFurtherFromTheirNeighboursThanFramesInsideAWindow() throws Exception {
        int frames = 16;
        Tensor start = smoothLatents(frames);
        SchedulerConfig config = SchedulerConfig.read(DiffusersFolder.open(sd).require("scheduler")
                .resolve("scheduler_config.json"));
        TemporalWindows overlapping = new TemporalWindows(8, 4, Weighting.PYRAMID);
        TemporalWindows tiles = new TemporalWindows(8, 8, Weighting.FLAT);
        try (UNet3DConditionModel unet = UNet3DConditionModel.load(video.resolve("unet"), ENGINE)) {
            double[] blended = new double[frames - 1];
            double[] tiled = null;
            for (int prompt = 0; prompt < 3; prompt++) {
                var embeddings = new PromptEmbeddings(StepNoise.seeded(121 + prompt).draw(0, 1, 77, 32),
                        Optional.of(StepNoise.seeded(21 + prompt).draw(0, 1, 77, 32)), List.of());
                double[] d = neighbourDistances(invertAndSmooth(unet, start, embeddings, config, overlapping));
                for (int f = 0; f < d.length; f++) {
                    blended[f] += d[f] / 3;
                }
                if (tiled == null) {
                    tiled = neighbourDistances(invertAndSmooth(unet, start, embeddings, config, tiles));
                }
            }
            double inside = max(blended, pairs(overlapping, frames, false));
            double seams = max(blended, pairs(overlapping, frames, true));
            assertTrue(seams <= inside, "seam pairs " + seams + " vs inside windows " + inside + ": "
                    + Arrays.toString(blended));
            double tileSeam = max(tiled, pairs(tiles, frames, true));
            assertTrue(tileSeam > max(tiled, pairs(tiles, frames, false)), "the measure sees a hard seam: "
                    + Arrays.toString(tiled));
        }
    }

    /** Video-model inversion then guided smoothing of {@code start}, both window by window. */
    private static Tensor invertAndSmooth(UNet3DConditionModel unet, Tensor start, PromptEmbeddings embeddings,
                                          SchedulerConfig config, TemporalWindows windows) {
        var branch = new MixedInversion.Branch(unet::forward, MixedInversion.inversionEmbedding(embeddings));
        Tensor inverted = DenoisingLoop.invert(DdimInversion.create(config, 4, InversionKind.BIVDIFF_REVERSE_STEP),
                start, windows.wrap(MixedInversion.predictor(branch, 1)));
        return DenoisingLoop.run(TemporalSmoothing.request(DdimScheduler.create(config, 4, 0), inverted,
                unet::forward, embeddings, 7.5, windows));
    }

    /** (1, 4, F, 8, 8): smooth waves drifting one step per frame. */
    private static Tensor smoothLatents(int frames) {
        Tensor z = Tensor.zeros(1, 4, frames, 8, 8);
        float[] d = z.data();
        for (int c = 0; c < 4; c++) {
            for (int f = 0; f < frames; f++) {
                for (int p = 0; p < 64; p++) {
                    int y = p / 8;
                    int x = p % 8;
                    d[(c * frames + f) * 64 + p] = (float) Math.sin(0.8 * x + 0.5 * y + 0.3 * f + c);
                }
            }
        }
        return z;
    }

    /** d(f) for f in [0, F - 1): mean |z[f + 1] - z[f]| over (1, C, F, h, w). */
    private static double[] neighbourDistances(Tensor z) {
        int frames = z.dim(2);
        int channels = z.dim(1);
        int plane = z.dim(3) * z.dim(4);
        double[] d = new double[frames - 1];
        for (int f = 0; f + 1 < frames; f++) {
            double s = 0;
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < plane; p++) {
                    s += Math.abs(z.data()[(c * frames + f + 1) * plane + p] - z.data()[(c * frames + f) * plane + p]);
                }
            }
            d[f] = s / (channels * plane);
        }
        return d;
    }

    /** The pairs (f, f + 1) at a seam (a window starts at f + 1 or ends at f + 1), or the others. */
    private static boolean[] pairs(TemporalWindows windows, int frames, boolean seams) {
        boolean[] seam = new boolean[frames - 1];
        for (FrameRange r : windows.over(frames)) {
            if (r.from() > 0) {
                seam[r.from() - 1] = true;
            }
            if (r.to() < frames) {
                seam[r.to() - 1] = true;
            }
        }
        boolean[] out = new boolean[frames - 1];
        for (int f = 0; f < out.length; f++) {
            out[f] = seam[f] == seams;
        }
        return out;
    }

    private static double max(double[] d, boolean[] which) {
        double m = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < d.length; i++) {
            if (which[i]) {
                m = Math.max(m, d[i]);
            }
        }
        return m;
    }

    @Test
    void theFrameStageMakesTheSameFramesInBatchesAndAResumedRunKeepsFinishedBatches() throws Exception {
        FrameGenerator controlNetFrames = controlNetFrames();
        Tensor allAtOnce = controlNetFrames.generate(inputs(4), settings(ProgressListener.NONE));
        List<List<FrameRange>> asked = new ArrayList<>();
        FrameGenerator recording = new FrameGenerator() {
            @Override
            public String describe() {
                return controlNetFrames.describe();
            }

            @Override
            public Tensor generate(Inputs inputs, Settings settings) throws IOException {
                throw new AssertionError("the frame stage makes frames in batches");
            }

            @Override
            public void generate(Inputs inputs, Settings settings, List<FrameRange> batches, BatchSink sink)
                    throws IOException {
                asked.add(batches);
                controlNetFrames.generate(inputs, settings, batches, (batch, frames) -> {
                    assertEquals(batch.length(), frames.dim(0));
                    sink.accept(batch, frames);
                });
            }
        };
        var store = new MemoryStore();
        var options = InversionAndSmoothing.Options.BIVDIFF.withWindows(TemporalWindows.of(2));
        var pipeline = new BivdiffPipeline(InversionAndSmoothing.Models.ofPipelines(sd, VideoModel.of(video, null)),
                ENGINE);
        // 1. A run that crashes while making the second batch keeps the first
        List<String> stages = new ArrayList<>();
        ProgressListener crashing = p -> {
            stages.add(p.stage());
            if (p.stage().endsWith("(frames 3-4 of 4)")) {
                throw new IllegalStateException("simulated crash");
            }
        };
        assertThrows(IllegalStateException.class, () -> pipeline.run(request(recording, 4, Strategy.IDM_ONLY, options,
                crashing), store));
        assertEquals(List.of("idm_frames.0-2"), List.copyOf(store.saved.keySet()));
        assertTrue(stages.contains("controlnet (frames 1-2 of 4)"), stages.toString());
        // 2. Resumed, it makes only the second batch; the frames are those made all at once
        var resumed = pipeline.run(request(recording, 4, Strategy.IDM_ONLY, options, ProgressListener.NONE), store);
        assertEquals(List.of(List.of(new FrameRange(0, 2), new FrameRange(2, 4)), List.of(new FrameRange(2, 4))), asked);
        assertEquals(List.of("idm_frames.0-2"), List.copyOf(resumed.resumed()));
        assertArrayEquals(allAtOnce.data(), resumed.idmFrames().orElseThrow().data());
        assertArrayEquals(new int[] {4, 3, SIDE, SIDE}, resumed.idmFrames().orElseThrow().shape());
    }

    @Test
    void promptToPromptEditsBatchByBatchWithItsFramesNumberedInTheVideo() throws Exception {
        var generator = new Prompt2PromptFrames(sd, Prompt2PromptFrames.Edit.of("a red square in the snow",
                AttentionEdit.Type.REFINE, Optional.empty()), ENGINE);
        List<String> stages = new ArrayList<>();
        var settings = new FrameGenerator.Settings(new Prompt("a red square", ""), 1, 7.5, SEED, 2,
                RunEvents.of(p -> {
                    if (stages.isEmpty() || !stages.getLast().equals(p.stage())) {
                        stages.add(p.stage());
                    }
                }, Cancellation.NONE));
        List<FrameRange> batches = new ArrayList<>();
        generator.generate(FrameGenerator.Inputs.of(clip(3)), settings, FrameRange.batches(3, 2), (batch, frames) -> {
            assertArrayEquals(new int[] {batch.length(), 3, SIDE, SIDE}, frames.shape());
            batches.add(batch);
        });
        assertEquals(FrameRange.batches(3, 2), batches);
        assertEquals(List.of("inversion (image) (frames 1-2 of 3)", "prompt-to-prompt 1/3 (frames 1-2 of 3)",
                "prompt-to-prompt 2/3 (frames 1-2 of 3)", "inversion (image) (frame 3 of 3)",
                "prompt-to-prompt 3/3 (frame 3 of 3)"), stages);
    }

    /** Stage results in memory. */
    private static final class MemoryStore implements StageStore {
        final Map<String, Map.Entry<String, Map<String, Tensor>>> saved = new java.util.LinkedHashMap<>();

        @Override
        public Optional<Map<String, Tensor>> load(String stage, String fingerprint) {
            var e = saved.get(stage);
            return e != null && e.getKey().equals(fingerprint) ? Optional.of(e.getValue()) : Optional.empty();
        }

        @Override
        public void save(String stage, String fingerprint, Map<String, Tensor> tensors) {
            saved.put(stage, Map.entry(fingerprint, new HashMap<>(tensors)));
        }
    }
}
