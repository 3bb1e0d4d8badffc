package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.bivdiff.bivdiff.MixedInversion.Branch;
import org.bivdiff.io.ConfigJson;
import org.bivdiff.pipelines.Guidance.ConditionedModel;
import org.bivdiff.schedulers.DdimInversion;
import org.bivdiff.schedulers.DdimInversion.InversionKind;
import org.bivdiff.schedulers.SchedulerConfig;
import org.bivdiff.schedulers.SchedulerKind;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Mixing ratios, skipped branches and the mix itself, with analytic stand-ins for the UNets. */
class MixedInversionTest {

    private static final Tensor LATENTS = Tensor.full(0.5f, 1, 4, 3, 2, 2);
    private static final Tensor EMBEDDING = Tensor.zeros(1, 77, 32);

    /** A "UNet" predicting a constant noise, counting its calls. */
    private record Counting(float eps, AtomicInteger calls) implements ConditionedModel {

        Counting(float eps) {
            this(eps, new AtomicInteger());
        }

        @Override
        public Tensor predict(Tensor sample, double timestep, Tensor encoderHiddenStates) {
            calls.incrementAndGet();
            assertEquals(sample.dim(0), encoderHiddenStates.dim(0));
            return Tensor.full(eps, sample.shape());
        }
    }

    private static DdimInversion inversion() throws Exception {
        String json = """
                {"_class_name": "DDIMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
                 "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000,
                 "set_alpha_to_one": false, "steps_offset": 1, "prediction_type": "epsilon"}""";
        SchedulerConfig cfg = SchedulerConfig.read(ConfigJson.parse(Path.of("test.json"), json), SchedulerKind.DDIM);
        return DdimInversion.create(cfg, 4, InversionKind.BIVDIFF_REVERSE_STEP);
    }

    @Test
    void ratioOneNeverRunsTheVideoModel() throws Exception {
        Counting image = new Counting(0.1f);
        Counting video = new Counting(-0.3f);
        MixedInversion.Result r = MixedInversion.run(LATENTS, new MixingRatio(1.0), inversion(), new Branch(image, EMBEDDING),
                new Branch(video, EMBEDDING));
        assertEquals(0, video.calls().get());
        assertEquals(4, image.calls().get());
        assertTrue(r.videoBranch().isEmpty());
        assertArrayEquals(r.imageBranch().orElseThrow().data(), r.mixed().data());
    }

    @Test
    void ratioZeroNeverRunsTheImageModel() throws Exception {
        Counting image = new Counting(0.1f);
        Counting video = new Counting(-0.3f);
        MixedInversion.Result r = MixedInversion.run(LATENTS, new MixingRatio(0.0), inversion(), new Branch(image, EMBEDDING),
                new Branch(video, EMBEDDING));
        assertEquals(0, image.calls().get());
        assertEquals(4, video.calls().get());
        assertArrayEquals(r.videoBranch().orElseThrow().data(), r.mixed().data());
    }

    @Test
    void skippingABranchGivesTheSameLatentsAsMixingWithWeightZero() throws Exception {
        DdimInversion inv = inversion();
        Tensor zImage = MixedInversion.invert(LATENTS, new Branch(new Counting(0.1f), EMBEDDING), inv);
        Tensor zVideo = MixedInversion.invert(LATENTS, new Branch(new Counting(-0.3f), EMBEDDING), inv);
        float[] full = new float[zImage.numel()];
        for (int i = 0; i < full.length; i++) {
            full[i] = 1f * zImage.data()[i] + 0f * zVideo.data()[i];                 // the reference's arithmetic
        }
        Tensor skipped = MixedInversion.run(LATENTS, new MixingRatio(1.0), inv, new Branch(new Counting(0.1f), EMBEDDING),
                new Branch(new Counting(-0.3f), EMBEDDING)).mixed();
        assertArrayEquals(full, skipped.data());
    }

    @Test
    void mixIsRTimesImagePlusOneMinusRTimesVideo() {
        Tensor mixed = MixedInversion.mix(Optional.of(Tensor.full(2f, 3)), Optional.of(Tensor.full(-1f, 3)), new MixingRatio(0.25));
        assertArrayEquals(new float[] {-0.25f, -0.25f, -0.25f}, mixed.data());
    }

    @Test
    void aMissingBranchWithWeightAboveZeroIsAnError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> MixedInversion.mix(Optional.of(Tensor.full(1f, 2)), Optional.empty(), new MixingRatio(0.5)));
        assertTrue(e.getMessage().contains("needs both branches"), e.getMessage());
    }

    @Test
    void theEmbeddingIsRepeatedForEveryVideo() throws Exception {
        Counting image = new Counting(0.1f);
        Tensor twoVideos = Tensor.full(0.5f, 2, 4, 3, 2, 2);
        Tensor z = MixedInversion.invert(twoVideos, new Branch(image, EMBEDDING), inversion());
        assertArrayEquals(twoVideos.shape(), z.shape());
    }
}
