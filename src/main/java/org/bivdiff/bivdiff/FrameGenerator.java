package org.bivdiff.bivdiff;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.bivdiff.graph.Provider;
import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.pipelines.RunNoise;
import org.bivdiff.pipelines.Sampling;
import org.bivdiff.pipelines.StableDiffusionModels;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.schedulers.SchedulerKind;
import org.bivdiff.tensor.Tensor;

/**
 * Stage 1 of BIVDiff, frame-wise generation: a task-specific image diffusion model makes each frame.
 * Every image model sits behind this one interface; the frames of one call (all of them, or one batch of a
 * long video, see {@link #generate(Inputs, Settings, List, BatchSink)}) go through the model together (frames x
 * guidance branches per UNet call, bounded by {@link Settings#maxBatch()}).
 */
public interface FrameGenerator {

    /**
     * Rows per UNet call in the frame stage unless the run says otherwise: one frame with both guidance
     * branches. With all 16 rows of the paper's 8 frames at 512x512 in one call, the ControlNet stage
     * held 16.3 GB while denoising; with two rows, 6.9 GB, and a step took no longer (64 s against 74 s,
     * 2 cores, other jobs running). Every layer is per row, so the frames are the same.
     */
    int DEFAULT_MAX_BATCH = 2;

    /**
     * Rows per UNet call in the frame stage unless the run says otherwise: {@link #DEFAULT_MAX_BATCH} on the
     * CPU, where one call of all rows only costs memory; on CUDA, 0, all frames x guidance branches in one
     * call while the GPU has the memory (see {@link org.bivdiff.pipelines.Batching}), as a GPU wants batches.
     */
    static int defaultMaxBatch(Provider provider) {
        return provider == Provider.CUDA ? 0 : DEFAULT_MAX_BATCH;
    }

    /**
     * What a generator works from.
     *
     * @param source     (F, 3, H, W) in [-1, 1]
     * @param condition  (F, C, H, W) in [0, 1]: ControlNet / T2I-Adapter conditions, or null
     * @param masks      (F, 1, H, W) in [0, 1], 1 = repaint: inpainting / outpainting masks, or null
     * @param sourceUnit the source in [0, 1] as the image pipelines take it: {@code (source + 1) / 2}, or the
     *                   8-bit images / 255 exactly when the inputs were made from them ({@link #ofUnit})
     */
    record Inputs(Tensor source, Tensor condition, Tensor masks, Tensor sourceUnit) {

        public Inputs {
            Objects.requireNonNull(source, "source");
            checkFrames("condition", source, condition);
            checkFrames("masks", source, masks);
            sourceUnit = sourceUnit == null ? ImageModelFrames.toUnit(source) : sourceUnit;
            checkFrames("source in [0, 1]", source, sourceUnit);
        }

        /** Source frames in [-1, 1] with their conditions or masks. */
        public Inputs(Tensor source, Tensor condition, Tensor masks) {
            this(source, condition, masks, null);
        }

        /** Source frames only. */
        public static Inputs of(Tensor source) {
            return new Inputs(source, null, null);
        }

        /** Inputs from images in [0, 1] (F, 3, H, W), which the pipelines then take exactly as given. */
        public static Inputs ofUnit(Tensor sourceUnit, Tensor condition, Tensor masks) {
            float[] in = sourceUnit.data();
            float[] signed = new float[in.length];
            for (int i = 0; i < in.length; i++) {
                signed[i] = in[i] * 2f - 1f;
            }
            return new Inputs(new Tensor(sourceUnit.shape(), signed), condition, masks, sourceUnit);
        }

        /** These inputs with other masks. */
        public Inputs withMasks(Tensor m) {
            return new Inputs(source, condition, m, sourceUnit);
        }

        /** The frames {@code batch} of the source and of the conditions or masks. */
        public Inputs rows(FrameRange batch) {
            if (batch.isWhole(source.dim(0))) {
                return this;
            }
            return new Inputs(slice(source, batch), slice(condition, batch), slice(masks, batch),
                    slice(sourceUnit, batch));
        }

        private static Tensor slice(Tensor t, FrameRange batch) {
            return t == null ? null : t.slice0(batch.from(), batch.to());
        }

        private static void checkFrames(String what, Tensor source, Tensor t) {
            if (t == null) {
                return;
            }
            int[] s = source.shape();
            int[] c = t.shape();
            if (c.length != 4 || c[0] != s[0] || c[2] != s[2] || c[3] != s[3]) {
                throw new IllegalArgumentException(what + " " + Arrays.toString(c) + " does not match the "
                        + s[0] + " source frames of " + s[2] + " x " + s[3]);
            }
        }
    }

    /**
     * How the image model samples; BIVDiff's later stages take their steps, guidance, seed and events from here too.
     *
     * @param prompt        the frame prompt and negative prompt
     * @param steps         inference steps
     * @param guidanceScale classifier-free guidance
     * @param seed          every random draw of the run derives from it ({@link #noise()})
     * @param firstRow      the first frame of the rows these settings make: their noise is those rows of the whole
     *                      video's (0 for a whole video, see {@link #forBatch})
     * @param maxBatch      most rows per UNet call, 0 = all
     * @param scheduler     the scheduler class, or empty for the pipeline folder's own
     * @param eta           DDIM's eta (other schedulers ignore it)
     * @param events        progress, cancellation and step observer
     */
    record Settings(Prompt prompt, int steps, double guidanceScale, long seed, int firstRow, int maxBatch,
                    Optional<SchedulerKind> scheduler, double eta, RunEvents events) {

        public Settings {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(events, "events");
        }

        /** A whole video's settings on the folder's scheduler, deterministic DDIM. */
        public Settings(Prompt prompt, int steps, double guidanceScale, long seed, int maxBatch, RunEvents events) {
            this(prompt, steps, guidanceScale, seed, 0, maxBatch, Optional.empty(), 0.0, events);
        }

        /** The random draws of these rows: rows {@code [firstRow, ...)} of the seed's ({@link RunNoise#rows}). */
        public RunNoise noise() {
            return RunNoise.seeded(seed).rows(firstRow);
        }

        /**
         * These settings for the frames {@code batch} of a video of {@code frames} frames: the noise is rows
         * {@code [from, to)} of the whole video's, and progress events name the batch.
         */
        public Settings forBatch(FrameRange batch, int frames) {
            if (batch.isWhole(frames)) {
                return this;
            }
            String frameRange = batch.length() == 1 ? " (frame " + batch.to() + " of " + frames + ")"
                    : " (frames " + (batch.from() + 1) + "-" + batch.to() + " of " + frames + ")";
            return new Settings(prompt, steps, guidanceScale, seed, firstRow + batch.from(), maxBatch, scheduler, eta,
                    events.renamed(stage -> stage + frameRange));
        }

        /** The row {@code i} of these settings alone, with the same events. */
        public Settings row(int i) {
            return new Settings(prompt, steps, guidanceScale, seed, firstRow + i, maxBatch, scheduler, eta, events);
        }

        /** An image pipeline's sampling with these settings, on the pipeline folder {@code folder}'s scheduler. */
        public Sampling sampling(Path folder, SchedulerConfig folderScheduler) throws IOException {
            SchedulerConfig config = scheduler.isEmpty() ? folderScheduler
                    : SchedulerConfig.read(StableDiffusionModels.schedulerConfigFile(folder), scheduler.get());
            // The run's step observer watches the video loops (smoothing, the one-loop baselines), not the frames.
            return Sampling.of(config, steps, guidanceScale, noise()).withEta(eta).withMaxBatch(maxBatch)
                    .withEvents(RunEvents.of(events.progress(), events.cancellation()));
        }
    }

    /** Receives each batch of frames as soon as it is made. */
    @FunctionalInterface
    interface BatchSink {
        /** @param frames (batch.length(), 3, H, W) in [-1, 1], as {@link #generate(Inputs, Settings)} returns them */
        void accept(FrameRange batch, Tensor frames) throws IOException;
    }

    /**
     * A loaded image model's guided noise predictor: what its pipeline denoises with, for a loop of the
     * caller's. Closing it releases the models it holds.
     */
    interface Predictor extends AutoCloseable {

        /**
         * (F, 4, h, w) latents at a timestep to the guided noise prediction (F, 4, h, w), with the model's
         * prompt embeddings, conditions and guidance; possibly one that
         * needs the unscaled latents (call it through {@link NoisePredictor#predict(Tensor, Tensor, double)}).
         */
        NoisePredictor model();

        @Override
        void close() throws IOException;
    }

    /**
     * What an image model keeps resident while it makes the frames, for a run's memory estimate.
     *
     * @param pipeline a Stable Diffusion pipeline folder: its text encoder, UNet and VAE (null: no image model)
     * @param unet     a UNet folder used instead of the pipeline's, or null
     * @param extra    an extra network's folder (ControlNet, T2I-Adapter), or null
     */
    record Footprint(Path pipeline, Path unet, Path extra) {

        /** No image model: the frames come from elsewhere. */
        public static final Footprint NONE = new Footprint(null, null, null);
    }

    /** A short description for logs and {@code run.json}. */
    String describe();

    /**
     * Loads the image model as {@link #generate} would, reading its configs and every weight header (each key
     * and shape; no graph is built, nothing runs), and checks that its parts fit each other, the task and a run
     * of {@code frames} frames of {@code height x width} with {@code settings}. Seconds, against the minutes a
     * problem found at the start of stage 1 would cost after the checks of later stages.
     *
     * @return what the model keeps resident while it runs
     * @throws IOException              naming the file and key of a model that cannot be used
     * @throws IllegalArgumentException naming what does not fit
     */
    default Footprint check(int frames, int height, int width, Settings settings) throws IOException {
        return Footprint.NONE;
    }

    /**
     * Makes the frames.
     *
     * @return (F, 3, H, W) in [-1, 1], rounded to 8 bits per channel as the reference's PIL frames are
     */
    Tensor generate(Inputs inputs, Settings settings) throws IOException;

    /**
     * Makes the frames of {@code batches} (disjoint ranges of the inputs' frames, in the order given), handing each
     * batch to {@code sink} as soon as it is made, so that memory holds one batch of the image model's work and a
     * caller can store finished frames. Each batch is made from its rows of the inputs with
     * {@link Settings#forBatch}: image models that make every frame on its own (ControlNet, T2I-Adapter,
     * InstructPix2Pix, inpainting) make the same frames in batches as all at once. This default runs
     * {@link #generate(Inputs, Settings)} per batch; generators that load models override it to load them once.
     */
    default void generate(Inputs inputs, Settings settings, List<FrameRange> batches, BatchSink sink)
            throws IOException {
        int frames = inputs.source().dim(0);
        for (FrameRange batch : batches) {
            sink.accept(batch, generate(inputs.rows(batch), settings.forBatch(batch, frames)));
        }
    }

    /**
     * Loads the image model and builds the guided noise predictor its pipeline would denoise with (the
     * same method builds both), for a loop of the caller's.
     *
     * @param scheduler the caller's loop: ControlNet's guidance window and InstructPix2Pix's sigma-space
     *                  hack look at its timesteps; {@code settings.steps()} is not used
     * @throws UnsupportedOperationException for a generator without an image model
     */
    default Predictor predictor(Inputs inputs, Settings settings, Scheduler scheduler) throws IOException {
        throw new UnsupportedOperationException(describe() + " has no image model to predict noise with");
    }

    /** Frames made elsewhere (by any image model): the source frames, handed back as they are. */
    FrameGenerator GIVEN = new FrameGenerator() {
        @Override
        public String describe() {
            return "frames from a file";
        }

        @Override
        public Tensor generate(Inputs inputs, Settings settings) {
            return inputs.source();
        }

        @Override
        public void generate(Inputs inputs, Settings settings, List<FrameRange> batches, BatchSink sink)
                throws IOException {
            for (FrameRange batch : batches) {
                sink.accept(batch, inputs.rows(batch).source());
            }
        }
    };

    /**
     * Images in [0, 1] as the frames the reference hands to the next stage: rounded to 8 bits
     * ({@code numpy_to_pil}'s {@code (x * 255).round()}) and mapped to [-1, 1] ({@code x / 255 * 2 - 1}).
     */
    static Tensor toEightBitSigned(Tensor unit) {
        float[] in = unit.data();
        float[] out = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            float v = (float) Math.rint(Math.min(1f, Math.max(0f, in[i])) * 255f);   // numpy rounds half to even
            out[i] = v / 255f * 2f - 1f;
        }
        return new Tensor(unit.shape(), out);
    }
}
