package org.bivdiff.bivdiff;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.bivdiff.graph.Engine;
import org.bivdiff.models.adapter.T2IAdapter;
import org.bivdiff.models.controlnet.ControlNetModel;
import org.bivdiff.pipelines.AdapterPipeline;
import org.bivdiff.pipelines.ControlImage;
import org.bivdiff.pipelines.ControlNetPipeline;
import org.bivdiff.pipelines.ImageToImagePipeline;
import org.bivdiff.pipelines.InpaintPipeline;
import org.bivdiff.pipelines.InstructPix2PixPipeline;
import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.pipelines.Sampling;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.pipelines.TextToImagePipeline;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.tensor.Tensor;

/**
 * The image models of the {@link Task} catalogue, as {@link FrameGenerator}s over the image pipelines: text- and
 * image-to-image, ControlNet, T2I-Adapter, InstructPix2Pix and Stable Diffusion inpainting (which also outpaints,
 * given border masks). Each loads its models when it runs and releases them when done. A generator makes its frames
 * with its pipeline's {@code run} and hands out the guided noise predictor of the same pipeline, built
 * from the same request, with {@link FrameGenerator#predictor}.
 */
public final class ImageModelFrames {

    private ImageModelFrames() {
    }

    /** Stable Diffusion from text, one image per frame of the inputs (only their count and size are used). */
    static FrameGenerator textToImage(ImageModels m, Engine engine) {
        return generator("text-to-image " + m.pipeline().getFileName(), m, () -> {
            StableDiffusionModels sd = load(m, engine);
            var pipeline = new TextToImagePipeline(sd);
            return new Loaded<>(sd::close,
                    (inputs, settings) -> new TextToImagePipeline.Request(settings.prompt(), inputs.source().dim(0),
                            height(inputs), width(inputs), sampling(m, sd, settings)),
                    request -> pipeline.run(request).image(), ImageModelFrames::noPredictor);
        });
    }

    /** Stable Diffusion image-to-image on each source frame. */
    static FrameGenerator imageToImage(ImageModels m, double strength, Engine engine) {
        return generator("image-to-image " + m.pipeline().getFileName(), m, () -> {
            StableDiffusionModels sd = load(m, engine);
            var pipeline = new ImageToImagePipeline(sd);
            return new Loaded<>(sd::close,
                    (inputs, settings) -> new ImageToImagePipeline.Request(settings.prompt(), inputs.sourceUnit(),
                            strength, sampling(m, sd, settings)),
                    request -> pipeline.run(request).image(), ImageModelFrames::noPredictor);
        });
    }

    /** ControlNet on a Stable Diffusion pipeline folder; the inputs carry the condition images. */
    static FrameGenerator controlNet(ImageModels m, double conditioningScale, Engine engine) {
        return generator("ControlNet " + m.network().getFileName(), m, () -> {
            ControlNetModel net = ControlNetModel.load(m.network(), engine);
            StableDiffusionModels sd = closingOnFailure(net::close, () -> load(m, engine));
            var pipeline = closingOnFailure(() -> closeBoth(sd, net::close), () -> new ControlNetPipeline(sd,
                    List.of(net)));
            return new Loaded<>(() -> closeBoth(sd, net::close),
                    (inputs, settings) -> new ControlNetPipeline.Request(settings.prompt(), List.of(new ControlImage(
                            inputs.condition(), conditioningScale, 0.0, 1.0)), height(inputs), width(inputs),
                            sampling(m, sd, settings)),
                    request -> pipeline.run(request).image(), pipeline::predictor);
        });
    }

    /** A T2I-Adapter on a Stable Diffusion pipeline folder; the inputs carry its (F, 1 or 3, H, W) images. */
    static FrameGenerator t2iAdapter(ImageModels m, double conditioningScale, Engine engine) {
        return generator("T2I-Adapter " + m.network().getFileName(), m, () -> {
            T2IAdapter net = T2IAdapter.load(m.network(), engine);
            StableDiffusionModels sd = closingOnFailure(net::close, () -> load(m, engine));
            var pipeline = closingOnFailure(() -> closeBoth(sd, net::close), () -> new AdapterPipeline(sd, net));
            return new Loaded<>(() -> closeBoth(sd, net::close),
                    (inputs, settings) -> new AdapterPipeline.Request(settings.prompt(), inputs.condition(),
                            conditioningScale, height(inputs), width(inputs), sampling(m, sd, settings)),
                    request -> pipeline.run(request).image(), pipeline::predictor);
        });
    }

    /** InstructPix2Pix: edits each source frame. */
    static FrameGenerator instructPix2Pix(ImageModels m, double imageGuidanceScale, Engine engine) {
        return generator("InstructPix2Pix " + name(m), m, () -> {
            StableDiffusionModels sd = load(m, engine);
            var pipeline = closingOnFailure(sd::close, () -> new InstructPix2PixPipeline(sd));
            return new Loaded<>(sd::close,
                    (inputs, settings) -> new InstructPix2PixPipeline.Request(settings.prompt(), inputs.sourceUnit(),
                            imageGuidanceScale, sampling(m, sd, settings)),
                    request -> pipeline.run(request).images().image(), pipeline::predictor);
        });
    }

    /** Stable Diffusion inpainting (a 9-channel UNet); the inputs carry the masks. */
    static FrameGenerator inpainting(ImageModels m, double strength, Engine engine) {
        return generator("inpainting " + name(m), m, () -> {
            StableDiffusionModels sd = load(m, engine);
            var pipeline = closingOnFailure(sd::close, () -> new InpaintPipeline(sd));
            return new Loaded<>(sd::close,
                    (inputs, settings) -> new InpaintPipeline.Request(settings.prompt(), inputs.sourceUnit(),
                            inputs.masks(), strength, sampling(m, sd, settings)),
                    request -> pipeline.run(request).images().image(), pipeline::predictor);
        });
    }

    /** The folder that names the model: the UNet's when one replaces the pipeline's. */
    private static Path name(ImageModels m) {
        return (m.unet() != null ? m.unet() : m.pipeline()).getFileName();
    }

    private static StableDiffusionModels load(ImageModels m, Engine engine) throws IOException {
        return StableDiffusionModels.load(m.pipeline(), m.unet(), engine);
    }

    private static NoisePredictor noPredictor(Object request, Scheduler scheduler) {
        throw new UnsupportedOperationException("this task's pipeline has no guided predictor for a loop of the "
                + "caller's");
    }

    /** Loads an image model and its pipeline (configs and weight headers: no graph is built until it runs). */
    @FunctionalInterface
    private interface Loader {
        Loaded<?> load() throws IOException;
    }

    /** Releases loaded models. */
    @FunctionalInterface
    private interface Release {
        void close() throws IOException;
    }

    /**
     * An image model loaded with its pipeline: the pipeline request that inputs (all frames or a batch of them)
     * and settings make, and the two things done with one request, making the images or building the predictor.
     *
     * @param release   closes the models
     * @param request   the pipeline's request for the inputs and settings (checks that the inputs have what the
     *                  model needs)
     * @param run       the pipeline's run: images (F, 3, H, W) in [0, 1]
     * @param predictor the pipeline's guided predictor for a loop of the caller's
     */
    private record Loaded<Q>(Release release, BiFunction<FrameGenerator.Inputs, FrameGenerator.Settings, Q> request,
                             Function<Q, Tensor> run, BiFunction<Q, Scheduler, ? extends NoisePredictor> predictor)
            implements AutoCloseable {

        Tensor generate(FrameGenerator.Inputs inputs, FrameGenerator.Settings settings) throws IOException {
            return run.apply(request(inputs, settings));
        }

        NoisePredictor predictor(FrameGenerator.Inputs inputs, FrameGenerator.Settings settings, Scheduler scheduler)
                throws IOException {
            return predictor.apply(request(inputs, settings), scheduler);
        }

        /** The request; a scheduler config that cannot be read fails as the IOException it is. */
        private Q request(FrameGenerator.Inputs inputs, FrameGenerator.Settings settings) throws IOException {
            try {
                return request.apply(inputs, settings);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        @Override
        public void close() throws IOException {
            release.close();
        }
    }

    /**
     * The image model's footprint: the component folders resident while it runs (the pipeline's text encoder,
     * UNet and VAE, and the extra network), and its UNet.
     */
    private static FrameGenerator generator(String description, ImageModels models, Loader loader) {
        FrameGenerator.Footprint footprint = models.footprint();
        return new FrameGenerator() {
            @Override
            public String describe() {
                return description;
            }

            @Override
            public Tensor generate(Inputs inputs, Settings settings) throws IOException {
                try (Loaded<?> model = loader.load()) {
                    return FrameGenerator.toEightBitSigned(model.generate(inputs, settings));
                }
            }

            @Override
            public void generate(Inputs inputs, Settings settings, List<FrameRange> batches, BatchSink sink)
                    throws IOException {
                if (batches.isEmpty()) {
                    return;
                }
                int frames = inputs.source().dim(0);
                try (Loaded<?> model = loader.load()) {
                    for (FrameRange batch : batches) {
                        sink.accept(batch, FrameGenerator.toEightBitSigned(model.generate(inputs.rows(batch),
                                settings.forBatch(batch, frames))));
                    }
                }
            }

            @Override
            public Footprint check(int frames, int height, int width, Settings settings) throws IOException {
                loader.load().close();
                return footprint;
            }

            @Override
            public Predictor predictor(Inputs inputs, Settings settings, Scheduler scheduler) throws IOException {
                Loaded<?> model = loader.load();
                NoisePredictor predictor = closingOnFailure(model::close, () -> model.predictor(inputs, settings,
                        scheduler));
                return new Predictor() {
                    @Override
                    public NoisePredictor model() {
                        return predictor;
                    }

                    @Override
                    public void close() throws IOException {
                        model.close();
                    }
                };
            }
        };
    }

    /** Loads or builds with {@code loaded} already resident, releasing it when that fails. */
    private static <T> T closingOnFailure(Release loaded, IOSupplier<T> next) throws IOException {
        try {
            return next.get();
        } catch (IOException | RuntimeException e) {
            try {
                loaded.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @FunctionalInterface
    private interface IOSupplier<T> {
        T get() throws IOException;
    }

    /** Closes an extra network (ControlNet, adapter), then the pipeline's models. */
    private static void closeBoth(StableDiffusionModels sd, Runnable net) throws IOException {
        try (sd) {
            net.run();
        }
    }

    private static Sampling sampling(ImageModels m, StableDiffusionModels sd, FrameGenerator.Settings s) {
        try {
            return s.sampling(m.pipeline(), sd.scheduler());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    private static int height(FrameGenerator.Inputs inputs) {
        return inputs.source().dim(2);
    }

    private static int width(FrameGenerator.Inputs inputs) {
        return inputs.source().dim(3);
    }
}
