package org.bivdiff.bivdiff;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.bivdiff.graph.Engine;
import org.bivdiff.graph.Tensor;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.pipelines.AdapterPipeline;
import org.bivdiff.pipelines.ControlImage;
import org.bivdiff.pipelines.ControlNetPipeline;
import org.bivdiff.pipelines.InpaintPipeline;
import org.bivdiff.pipelines.InstructPix2PixPipeline;
import org.bivdiff.pipelines.Sampling;
import org.bivdiff.pipelines.StableDiffusionModels;

/**
 * The image models BIVDiff bridges, as {@link FrameGenerator}s over the image pipelines: ControlNet,
 * T2I-Adapter, InstructPix2Pix and Stable Diffusion inpainting (which also outpaints, given border
 * masks). Each loads its models when it runs and releases them when done.
 */
public final class ImageModelFrames {

    private ImageModelFrames() {
    }

    /** ControlNet on a Stable Diffusion pipeline folder; the inputs carry the condition images. */
    public static FrameGenerator controlNet(Path stableDiffusion, Path controlNet, Engine engine) {
        return generator("ControlNet " + controlNet.getFileName(), (inputs, settings) -> {
            Tensor condition = require(inputs.condition(), "ControlNet", "condition images");
            try (StableDiffusionModels sd = StableDiffusionModels.load(stableDiffusion, engine);
                 ControlNetModel net = ControlNetModel.load(controlNet, engine)) {
                var request = new ControlNetPipeline.Request(settings.prompt(), List.of(ControlImage.of(condition)),
                        height(inputs), width(inputs), sampling(sd, settings));
                return new ControlNetPipeline(sd, List.of(net)).run(request).image();
            }
        });
    }

    /** A T2I-Adapter on a Stable Diffusion pipeline folder; the inputs carry its (F, 1 or 3, H, W) images. */
    public static FrameGenerator t2iAdapter(Path stableDiffusion, Path adapter, Engine engine) {
        return generator("T2I-Adapter " + adapter.getFileName(), (inputs, settings) -> {
            Tensor condition = require(inputs.condition(), "T2I-Adapter", "condition images");
            try (StableDiffusionModels sd = StableDiffusionModels.load(stableDiffusion, engine);
                 T2IAdapter net = T2IAdapter.load(adapter, engine)) {
                var request = new AdapterPipeline.Request(settings.prompt(), condition, 1.0, height(inputs),
                        width(inputs), sampling(sd, settings));
                return new AdapterPipeline(sd, net).run(request).image();
            }
        });
    }

    /** InstructPix2Pix (a pipeline folder): edits each source frame. */
    public static FrameGenerator instructPix2Pix(Path pipeline, double imageGuidanceScale, Engine engine) {
        return generator("InstructPix2Pix " + pipeline.getFileName(), (inputs, settings) -> {
            Tensor unit = toUnit(inputs.source());
            try (StableDiffusionModels sd = StableDiffusionModels.load(pipeline, engine)) {
                var request = new InstructPix2PixPipeline.Request(settings.prompt(), unit, imageGuidanceScale,
                        sampling(sd, settings));
                return new InstructPix2PixPipeline(sd).run(request).images().image();
            }
        });
    }

    /** Stable Diffusion inpainting (a pipeline folder with a 9-channel UNet); the inputs carry the masks. */
    public static FrameGenerator inpainting(Path pipeline, Engine engine) {
        return generator("inpainting " + pipeline.getFileName(), (inputs, settings) -> {
            Tensor masks = require(inputs.masks(), "inpainting", "masks");
            try (StableDiffusionModels sd = StableDiffusionModels.load(pipeline, engine)) {
                var request = new InpaintPipeline.Request(settings.prompt(), toUnit(inputs.source()), masks, 1.0,
                        sampling(sd, settings));
                return new InpaintPipeline(sd).run(request).images().image();
            }
        });
    }

    /** Runs one image pipeline on all frames; returns its images in [0, 1]. */
    @FunctionalInterface
    private interface Body {
        Tensor run(FrameGenerator.Inputs inputs, FrameGenerator.Settings settings) throws IOException;
    }

    private static FrameGenerator generator(String description, Body body) {
        return new FrameGenerator() {
            @Override
            public String describe() {
                return description;
            }

            @Override
            public Tensor generate(Inputs inputs, Settings settings) throws IOException {
                return FrameGenerator.toEightBitSigned(body.run(inputs, settings));
            }
        };
    }

    private static Sampling sampling(StableDiffusionModels sd, FrameGenerator.Settings s) {
        return Sampling.of(sd.scheduler(), s.steps(), s.guidanceScale(), s.noise()).withMaxBatch(s.maxBatch())
                .withProgress(s.progress()).withCancellation(s.cancellation());
    }

    /** (x + 1) / 2, [-1, 1] to [0, 1]: the reference's {@code (frame + 1) / 2} before handing frames to PIL. */
    public static Tensor toUnit(Tensor signed) {
        float[] in = signed.data();
        float[] out = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = (in[i] + 1f) / 2f;
        }
        return new Tensor(signed.shape(), out);
    }

    private static Tensor require(Tensor t, String model, String what) {
        if (t == null) {
            throw new IllegalArgumentException(model + " needs " + what + " for every frame");
        }
        return t;
    }

    private static int height(FrameGenerator.Inputs inputs) {
        return inputs.source().dim(2);
    }

    private static int width(FrameGenerator.Inputs inputs) {
        return inputs.source().dim(3);
    }
}
