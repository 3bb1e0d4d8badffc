package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.pipelines.Cancellation;
import org.bivdiff.pipelines.ProgressListener;
import org.bivdiff.pipelines.Prompt;
import org.bivdiff.pipelines.RunEvents;
import org.bivdiff.pipelines.StepNoise;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** What a batch of the frame stage sees: its rows of the inputs and of the noise, and progress that names it. */
class FrameBatchesTest {

    @Test
    void aBatchHasItsRowsOfTheInputsAndOfTheNoise() {
        Tensor source = StepNoise.seeded(1).draw(0, 6, 3, 4, 4);
        Tensor condition = StepNoise.seeded(2).draw(0, 6, 1, 4, 4);
        var inputs = new FrameGenerator.Inputs(source, condition, null);
        FrameRange batch = new FrameRange(2, 5);
        var rows = inputs.rows(batch);
        assertArrayEquals(source.slice0(2, 5).data(), rows.source().data());
        assertArrayEquals(condition.slice0(2, 5).data(), rows.condition().data());
        assertEquals(null, rows.masks());
        assertSame(inputs, inputs.rows(new FrameRange(0, 6)));

        List<ProgressListener.Progress> events = new ArrayList<>();
        var settings = new FrameGenerator.Settings(new Prompt("a", ""), 3, 7.5, 9, 2,
                RunEvents.of(events::add, Cancellation.NONE));
        var forBatch = settings.forBatch(batch, 6);
        assertArrayEquals(settings.noise().latents().draw(0, 6, 4, 2, 2).slice0(2, 5).data(),
                forBatch.noise().latents().draw(0, 3, 4, 2, 2).data());
        forBatch.events().progress().onStep(new ProgressListener.Progress("controlnet", 1, 3, 981, java.time.Duration.ZERO));
        assertEquals("controlnet (frames 3-5 of 6)", events.getFirst().stage());
        assertSame(settings, settings.forBatch(new FrameRange(0, 6), 6));
    }

    @Test
    void givenFramesAreHandedOverBatchByBatch() throws Exception {
        Tensor frames = StepNoise.seeded(3).draw(0, 5, 3, 2, 2);
        List<Tensor> got = new ArrayList<>();
        FrameGenerator.GIVEN.generate(FrameGenerator.Inputs.of(frames), null, FrameRange.batches(5, 2),
                (batch, images) -> {
                    assertEquals(batch.length(), images.dim(0));
                    got.add(images);
                });
        assertEquals(3, got.size());
        assertArrayEquals(frames.data(), Tensor.concat0(got).data());
    }
}
