package org.bivdiff.pipelines;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.graph.Engine;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.controlnet.ControlNetConfig;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.models.unet2d.UNet2DConditionConfig;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier 3 on the tiny models: request validation before any network, frame batching, outpainting masks, and
 * each pipeline's predictor against its run.
 */
class ImagePipelinesTest {

    private static final Path MODELS = Fixtures.root().resolve("models");
    private static final Engine ENGINE = new Engine(Engine.Options.defaults().withThreads(1));
    private static StableDiffusionModels sd;
    private static StableDiffusionModels inpaint;

    @BeforeAll
    static void load() throws Exception {
        sd = StableDiffusionModels.load(MODELS.resolve("tiny-sd15"), ENGINE);
        inpaint = StableDiffusionModels.load(MODELS.resolve("tiny-sd15"), MODELS.resolve("tiny-inpaint-unet"), ENGINE);
    }

    @AfterAll
    static void close() throws Exception {
        sd.close();
        inpaint.close();
    }

    private static Sampling sampling(int steps, double guidance) {
        return Sampling.of(sd.scheduler(), steps, guidance, RunNoise.seeded(1));
    }

    private static Tensor image(int frames, int h, int w) {
        Tensor n = StepNoise.seeded(5).draw(0, frames, 3, h, w);
        return Tensors.denormalize(Tensors.scale(n, 0.5));
    }

    @Test
    void badNumbersAreRejectedWhenTheRequestIsMade() {
        var guidance = assertThrows(IllegalArgumentException.class, () -> sampling(2, -1));
        assertTrue(guidance.getMessage().contains("guidance_scale"), guidance.getMessage());
        var steps = assertThrows(IllegalArgumentException.class, () -> sampling(0, 7.5));
        assertTrue(steps.getMessage().contains("num_inference_steps"), steps.getMessage());
        var strength = assertThrows(IllegalArgumentException.class, () -> new ImageToImagePipeline.Request(
                Prompt.of("x"), image(1, 32, 32), 1.5, sampling(2, 7.5)));
        assertTrue(strength.getMessage().contains("strength"), strength.getMessage());
        var imageGuidance = assertThrows(IllegalArgumentException.class, () -> new InstructPix2PixPipeline.Request(
                Prompt.of("x"), image(1, 32, 32), -0.5, sampling(2, 7.5)));
        assertTrue(imageGuidance.getMessage().contains("image_guidance_scale"), imageGuidance.getMessage());
    }

    @Test
    void maskOfAnotherSizeIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new InpaintPipeline.Request(Prompt.of("x"),
                image(1, 32, 32), Tensor.zeros(1, 1, 32, 16), 1.0, sampling(2, 7.5)));
        assertTrue(e.getMessage().contains("same size"), e.getMessage());
    }

    @Test
    void sizeNotAMultipleOfEightFailsBeforeAnyNetworkRuns() {
        int[] calls = {0};
        Sampling s = sampling(2, 7.5).withEvents(RunEvents.of(p -> calls[0]++, Cancellation.NONE));
        var e = assertThrows(IllegalArgumentException.class, () -> new TextToImagePipeline(sd).run(
                new TextToImagePipeline.Request(Prompt.of("x"), 1, 36, 32, s)));
        assertTrue(e.getMessage().contains("multiples of 8"), e.getMessage());
        var unet = assertThrows(IllegalArgumentException.class, () -> new InstructPix2PixPipeline(sd).run(
                new InstructPix2PixPipeline.Request(Prompt.of("x"), image(1, 32, 32), 1.5, s)));
        assertTrue(unet.getMessage().contains("in_channels = 8"), unet.getMessage());
        assertTrue(calls[0] == 0);
    }

    @Test
    void controlNetOfAnotherBaseModelIsRejected(@TempDir Path dir) throws Exception {
        String json = Files.readString(MODELS.resolve("tiny-controlnet/config.json"))
                .replace("\"cross_attention_dim\": 32", "\"cross_attention_dim\": 64");
        Files.writeString(dir.resolve("config.json"), json);
        UNet2DConditionConfig unet = sd.unet().config();
        var e = assertThrows(IllegalArgumentException.class,
                () -> ModelFamilies.checkControlNet(unet, ControlNetConfig.read(dir), 0));
        assertTrue(e.getMessage().contains("cross_attention_dim 64"), e.getMessage());
    }

    /** Two frames in one batch (and in calls of one row) give each frame's own single-frame result. */
    @Test
    void framesBatchedTogetherMatchFramesRunAlone() throws Exception {
        Tensor control = image(2, 32, 32);
        Tensor latents = StepNoise.seeded(11).draw(0, 2, 4, 16, 16);
        try (ControlNetModel cn = ControlNetModel.load(MODELS.resolve("tiny-controlnet"), ENGINE)) {
            ControlNetPipeline p = new ControlNetPipeline(sd, List.of(cn));
            Sampling s = sampling(2, 7.5);
            ImageResult both = p.run(new ControlNetPipeline.Request(Prompt.of("a car"),
                    List.of(ControlImage.of(control)), 32, 32, s.withNoise(s.noise().withLatents(latents))));
            ImageResult chunked = p.run(new ControlNetPipeline.Request(Prompt.of("a car"),
                    List.of(ControlImage.of(control)), 32, 32,
                    s.withNoise(s.noise().withLatents(latents)).withMaxBatch(1)));
            TensorAssert.assertClose(both.latents(), chunked.latents(), 1e-5, 1e-5, "max batch 1");
            for (int f = 0; f < 2; f++) {
                ImageResult alone = p.run(new ControlNetPipeline.Request(Prompt.of("a car"),
                        List.of(ControlImage.of(control.slice0(f, f + 1))), 32, 32,
                        s.withNoise(s.noise().withLatents(latents.slice0(f, f + 1)))));
                TensorAssert.assertClose(both.image().slice0(f, f + 1), alone.image(), 1e-5, 1e-5, "frame " + f);
            }
        }
    }

    /**
     * Each pipeline's {@code predictor}, run in a loop of the caller's from the run's initial latents, gives the
     * latents of its {@code run} bit for bit: both are built by the same method.
     */
    @Test
    void predictorInTheCallersLoopReproducesTheRun() throws Exception {
        Tensor latents = StepNoise.seeded(11).draw(0, 2, 4, 16, 16);
        Sampling s = sampling(3, 7.5).withNoise(RunNoise.seeded(1).withLatents(latents));
        Scheduler scheduler = s.buildScheduler();
        try (ControlNetModel cn = ControlNetModel.load(MODELS.resolve("tiny-controlnet"), ENGINE);
             T2IAdapter adapter = T2IAdapter.load(MODELS.resolve("tiny-t2i-adapter"), ENGINE);
             StableDiffusionModels ip2p = StableDiffusionModels.load(MODELS.resolve("tiny-sd15"),
                     MODELS.resolve("tiny-ip2p-unet"), ENGINE)) {
            var controlNet = new ControlNetPipeline(sd, List.of(cn));
            var cr = new ControlNetPipeline.Request(Prompt.of("a car"), List.of(ControlImage.of(image(2, 32, 32))), 32,
                    32, s);
            assertSameLoop(controlNet.run(cr).latents(), controlNet.predictor(cr, scheduler), scheduler, latents,
                    "controlnet");
            var adapterPipeline = new AdapterPipeline(sd, adapter);
            var ar = new AdapterPipeline.Request(Prompt.of("a car"), image(2, 32, 32), 1.0, 32, 32, s);
            assertSameLoop(adapterPipeline.run(ar).latents(), adapterPipeline.predictor(ar, scheduler), scheduler,
                    latents, "t2i-adapter");
            var pix2pix = new InstructPix2PixPipeline(ip2p);
            var pr = new InstructPix2PixPipeline.Request(Prompt.of("make it red"), image(2, 32, 32), 1.5, s);
            assertSameLoop(pix2pix.run(pr).images().latents(), pix2pix.predictor(pr, scheduler), scheduler, latents,
                    "instruct-pix2pix");
        }
        var inpainting = new InpaintPipeline(inpaint);
        var ir = new InpaintPipeline.Request(Prompt.of("a car"), image(2, 32, 32),
                Outpainting.mask(Outpainting.Direction.VERTICAL, 32, 32), 1.0, s);
        assertSameLoop(inpainting.run(ir).images().latents(), inpainting.predictor(ir, scheduler), scheduler, latents,
                "inpainting");
    }

    private static void assertSameLoop(Tensor byRun, NoisePredictor predictor, Scheduler scheduler, Tensor latents,
                                       String what) {
        Tensor byLoop = DenoisingLoop.run(DenoisingLoop.Request.of(scheduler,
                Tensors.scale(latents, scheduler.initNoiseSigma()), predictor));
        TensorAssert.assertExact(byRun, byLoop, what);
    }

    @Test
    void outpaintingMaskRepaintsTheBorderQuarters() {
        Tensor v = Outpainting.mask(Outpainting.Direction.VERTICAL, 4, 10);
        // W // 4 = 2, W // 4 * 3 = 6: columns 0-1 and 6-9 repainted
        float[] row = java.util.Arrays.copyOfRange(v.data(), 0, 10);
        TensorAssert.assertExact(Tensor.of(new float[] {1, 1, 0, 0, 0, 0, 1, 1, 1, 1}, 10), Tensor.of(row, 10), "row");
        Tensor h = Outpainting.mask(Outpainting.Direction.HORIZONTAL, 8, 2);
        TensorAssert.assertExact(Tensor.of(new float[] {1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, 1, 1, 8, 2), h,
                "horizontal");
    }

    @Test
    void outpaintingRunsAsInpaintingWithTheBorderMask() {
        Outpainting.Request r = new Outpainting.Request(Prompt.of("a car"), image(1, 32, 32),
                Outpainting.Direction.VERTICAL, sampling(2, 7.5).withTrace(true));
        InpaintPipeline.Result out = new Outpainting(inpaint).run(r);
        TensorAssert.assertExact(Outpainting.mask(Outpainting.Direction.VERTICAL, 32, 32), out.maskBinarized(), "mask");
        assertTrue(out.images().trace().firstUNetInput().orElseThrow().dim(1) == 9);
    }
}
