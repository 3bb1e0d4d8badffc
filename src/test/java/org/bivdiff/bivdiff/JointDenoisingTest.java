package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.graph.Engine;
import org.bivdiff.pipelines.DenoisingLoop;
import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.pipelines.StepNoise;
import org.bivdiff.schedulers.DdimScheduler;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The one-loop baselines: FUSE at a = 1 / a = 0 is the image / video model's loop bit for bit (the other model
 * never runs), ALTERNATE switches model every step, the frame-wise layout, and refusals. The image model is
 * the tiny ControlNet's real guided predictor; the video model an analytic stand-in.
 */
class JointDenoisingTest {

    private static final Path MODELS = Fixtures.root().resolve("models");
    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(2));
    private static final int FRAMES = 2;
    private static final int STEPS = 4;

    /** A predictor recording the timesteps it is called at and the shape it sees. */
    private static final class Recording implements NoisePredictor {
        private final NoisePredictor inner;
        private final List<Double> timesteps = new ArrayList<>();

        Recording(NoisePredictor inner) {
            this.inner = inner;
        }

        @Override
        public Tensor predict(Tensor scaledSample, Tensor sample, double timestep) {
            timesteps.add(timestep);
            return inner.predict(scaledSample, sample, timestep);
        }

        @Override
        public Tensor predict(Tensor scaledSample, double timestep) {
            throw new UnsupportedOperationException("the loop passes the unscaled latents too");
        }
    }

    /** A "video UNet": eps = 0.1 x + t / 1000 on (1, 4, F, h, w). */
    private static final NoisePredictor VIDEO = (x, t) -> {
        assertEquals(5, x.rank(), "the video model sees video latents");
        float[] out = new float[x.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (0.1 * x.data()[i] + t / 1000.0);
        }
        return new Tensor(x.shape(), out);
    };

    private static DdimScheduler scheduler() throws Exception {
        return DdimScheduler.create(SchedulerConfig.read(MODELS.resolve("tiny-sd15/scheduler/scheduler_config.json")),
                STEPS, 0.0);
    }

    /** (1, 4, F, 16, 16): the tiny VAE halves 32 x 32 frames. */
    private static Tensor start() {
        return StepNoise.seeded(7).draw(0, 1, 4, FRAMES, 16, 16);
    }

    private static FrameGenerator.Predictor controlNet(DdimScheduler scheduler) throws Exception {
        FrameGenerator generator = Task.CONTROLNET.generator(ImageModels.withNetwork(MODELS.resolve("tiny-sd15"),
                MODELS.resolve("tiny-controlnet")), Task.CONTROLNET.defaultOptions(), ENGINE);
        Tensor source = StepNoise.seeded(3).draw(0, FRAMES, 3, 32, 32);
        Tensor condition = Tensor.full(0.5f, FRAMES, 3, 32, 32);
        var settings = new FrameGenerator.Settings(new Prompt("a car", ""), STEPS, 7.5, 1, 0, RunEvents.NONE);
        return generator.predictor(new FrameGenerator.Inputs(source, condition, null), settings, scheduler);
    }

    private static Tensor loop(DdimScheduler scheduler, NoisePredictor model) {
        return DenoisingLoop.run(DenoisingLoop.Request.of(scheduler, start(), model));
    }

    @Test
    void fuseAtOneIsTheImageModelsLoopAndAtZeroTheVideoModels() throws Exception {
        DdimScheduler scheduler = scheduler();
        try (FrameGenerator.Predictor idm = controlNet(scheduler)) {
            NoisePredictor image = JointDenoising.frameWise(idm.model());
            Recording video = new Recording(VIDEO);
            Tensor imageAlone = loop(scheduler, image);
            TensorAssert.assertExact(imageAlone, loop(scheduler, JointDenoising.fuse(image, video, new MixingRatio(1.0))),
                    "a = 1");
            assertEquals(0, video.timesteps.size(), "a = 1 never runs the video model");
            Recording imageCalls = new Recording(image);
            Tensor fused = loop(scheduler, JointDenoising.fuse(imageCalls, VIDEO, new MixingRatio(0.0)));
            TensorAssert.assertExact(loop(scheduler, VIDEO), fused, "a = 0");
            assertEquals(0, imageCalls.timesteps.size(), "a = 0 never runs the image model");
            assertTrue(imageAlone.rank() == 5 && imageAlone.dim(2) == FRAMES, imageAlone.toString());
        }
    }

    @Test
    void alternateRunsTheImageModelAtEvenStepsAndTheVideoModelAtOddSteps() throws Exception {
        DdimScheduler scheduler = scheduler();
        double[] ts = scheduler.timesteps();
        try (FrameGenerator.Predictor idm = controlNet(scheduler)) {
            Recording image = new Recording(JointDenoising.frameWise(idm.model()));
            Recording video = new Recording(VIDEO);
            List<Tensor> eps = new ArrayList<>();
            DenoisingLoop.run(DenoisingLoop.Request.of(scheduler, start(), JointDenoising.alternate(image, video, ts))
                    .withEvents("alternate", RunEvents.observing((i, t, modelOutput, out) -> eps.add(modelOutput))));
            assertEquals(List.of(ts[0], ts[2]), image.timesteps);
            assertEquals(List.of(ts[1], ts[3]), video.timesteps);
            assertEquals(STEPS, eps.size());
        }
    }

    @Test
    void fuseMixesTheTwoPredictionsInFloat32() throws Exception {
        NoisePredictor a = (x, t) -> Tensor.full(0.3f, x.shape());
        NoisePredictor b = (x, t) -> Tensor.full(-0.7f, x.shape());
        Tensor x = start();
        Tensor eps = JointDenoising.fuse(a, b, new MixingRatio(0.25)).predict(x, x, 981);
        float expected = 0.25f * 0.3f + 0.75f * -0.7f;
        TensorAssert.assertExact(Tensor.full(expected, x.shape()), eps, "0.25 a + 0.75 b");
    }

    @Test
    void frameWiseHandsTheImageModelFramesAndReturnsTheVideoLayout() {
        // eps of frame f is f everywhere: after the round trip, video element [0, c, f, y, x] must be f.
        NoisePredictor frames = (x, t) -> {
            assertEquals(4, x.rank(), "the image model sees frames");
            float[] out = new float[x.numel()];
            int perFrame = x.numel() / x.dim(0);
            for (int i = 0; i < out.length; i++) {
                out[i] = i / perFrame;
            }
            return new Tensor(x.shape(), out);
        };
        Tensor x = Tensor.zeros(1, 4, 3, 2, 2);
        Tensor eps = JointDenoising.frameWise(frames).predict(x, x, 1);
        assertEquals(List.of(1, 4, 3, 2, 2), Arrays.stream(eps.shape()).boxed().toList());
        for (int c = 0; c < 4; c++) {
            for (int f = 0; f < 3; f++) {
                assertEquals(f, eps.data()[(c * 3 + f) * 4], "channel " + c + " frame " + f);
            }
        }
    }

    @Test
    void refusals() {
        var missing = assertThrows(IllegalArgumentException.class,
                () -> JointDenoising.fuse(null, VIDEO, new MixingRatio(0.5)));
        assertTrue(missing.getMessage().contains("both models"), missing.getMessage());
        var videoless = assertThrows(IllegalArgumentException.class,
                () -> JointDenoising.fuse(VIDEO, null, new MixingRatio(0)));
        assertTrue(videoless.getMessage().contains("needs the video model"), videoless.getMessage());
        var noModel = assertThrows(UnsupportedOperationException.class, () -> FrameGenerator.GIVEN
                .predictor(FrameGenerator.Inputs.of(Tensor.zeros(1, 3, 8, 8)), null, null));
        assertTrue(noModel.getMessage().contains("no image model"), noModel.getMessage());
    }
}
