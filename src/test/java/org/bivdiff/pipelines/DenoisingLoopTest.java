package org.bivdiff.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.schedulers.Sampler;
import org.bivdiff.schedulers.Scheduler;
import org.bivdiff.schedulers.SchedulerKind;
import org.bivdiff.schedulers.Schedulers;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Tier 1: the loop against hand-stepped schedulers with an analytic model. */
class DenoisingLoopTest {

    private static final Path SD15_SCHEDULER = Fixtures.root().resolve("models/tiny-sd15/scheduler/scheduler_config.json");
    private static final NoisePredictor MODEL = (x, t) -> {
        float[] out = new float[x.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (0.1 * x.data()[i] + t / 1000.0);
        }
        return new Tensor(x.shape(), out);
    };

    private static Tensor start() {
        return StepNoise.seeded(3).draw(0, 1, 4, 2, 2);
    }

    @Test
    void matchesSteppingByHand() throws Exception {
        for (SchedulerKind kind : List.of(SchedulerKind.DDIM, SchedulerKind.LMS, SchedulerKind.EULER)) {
            Scheduler s = Schedulers.create(kind, SD15_SCHEDULER, 5);
            Tensor x0 = start();
            Tensor byLoop = DenoisingLoop.run(DenoisingLoop.Request.of(s, x0, MODEL));
            Sampler sampler = s.sampler();
            Tensor x = x0;
            for (double t : s.timesteps()) {
                x = sampler.step(MODEL.predict(s.scaleModelInput(x, t), t), t, x, null).prevSample();
            }
            TensorAssert.assertExact(x, byLoop, kind.name());
        }
    }

    @Test
    void stepCallbackLatentsAreWhatTheObserverSeesAndTheNextStepStartsFrom() throws Exception {
        Scheduler s = Schedulers.create(SchedulerKind.DDIM, SD15_SCHEDULER, 4);
        DenoisingLoop.StepCallback halve = (i, t, x) -> Tensors.scale(x, 0.5);
        List<Tensor> observed = new ArrayList<>();
        Tensor x0 = start();
        Tensor byLoop = DenoisingLoop.run(DenoisingLoop.Request.of(s, x0, MODEL).withStepCallback(halve)
                .withEvents("denoising", RunEvents.observing((i, t, eps, out) -> observed.add(out.prevSample()))));
        Sampler sampler = s.sampler();
        Tensor x = x0;
        for (int i = 0; i < s.timesteps().length; i++) {
            double t = s.timesteps()[i];
            x = Tensors.scale(sampler.step(MODEL.predict(s.scaleModelInput(x, t), t), t, x, null).prevSample(), 0.5);
            TensorAssert.assertExact(x, observed.get(i), "step " + i);
        }
        TensorAssert.assertExact(x, byLoop, "final");
    }

    @Test
    void startStepSkipsTheFirstTimestepsAndProgressCountsTheRest() throws Exception {
        Scheduler s = Schedulers.create(SchedulerKind.DDIM, SD15_SCHEDULER, 6);
        List<ProgressListener.Progress> events = new ArrayList<>();
        List<Double> seen = new ArrayList<>();
        DenoisingLoop.run(DenoisingLoop.Request.of(s, start(), (x, t) -> {
            seen.add(t);
            return MODEL.predict(x, t);
        }).withStartStep(2).withEvents("test", RunEvents.of(events::add, Cancellation.NONE)));
        assertEquals(4, seen.size());
        assertEquals(s.timesteps()[2], seen.getFirst());
        assertEquals(4, events.size());
        assertEquals(4, events.getLast().step());
        assertEquals(4, events.getLast().total());
        assertEquals("test", events.getFirst().stage());
    }

    @Test
    void cancellationStopsBeforeTheNextStep() throws Exception {
        Scheduler s = Schedulers.create(SchedulerKind.DDIM, SD15_SCHEDULER, 10);
        Cancellation cancel = new Cancellation();
        int[] calls = {0};
        var e = assertThrows(CancellationException.class, () -> DenoisingLoop.run(
                DenoisingLoop.Request.of(s, start(), (x, t) -> {
                    if (++calls[0] == 3) {
                        cancel.cancel();
                    }
                    return MODEL.predict(x, t);
                }).withEvents("smoothing", RunEvents.of(ProgressListener.NONE, cancel))));
        assertEquals(3, calls[0]);
        assertTrue(e.getMessage().contains("smoothing step 4/10"), e.getMessage());
    }

    @Test
    void ancestralSchedulersDrawNoisePerStep() throws Exception {
        Scheduler s = Schedulers.create(SchedulerKind.EULER_ANCESTRAL, SD15_SCHEDULER, 3);
        assertTrue(s.needsNoise());
        var missing = assertThrows(IllegalStateException.class,
                () -> DenoisingLoop.run(DenoisingLoop.Request.of(s, start(), MODEL)));
        assertTrue(missing.getMessage().contains("draw 0"), missing.getMessage());
        Tensor a = DenoisingLoop.run(DenoisingLoop.Request.of(s, start(), MODEL).withNoise(StepNoise.seeded(9)));
        Tensor b = DenoisingLoop.run(DenoisingLoop.Request.of(s, start(), MODEL).withNoise(StepNoise.seeded(9)));
        TensorAssert.assertExact(a, b, "same seed, same result");
    }

    @Test
    void classifierFreeGuidanceBatchesNegativeThenPositive() {
        Tensor neg = Tensor.full(1f, 1, 2, 3);
        Tensor pos = Tensor.full(2f, 1, 2, 3);
        PromptEmbeddings emb = new PromptEmbeddings(pos, java.util.Optional.of(neg), List.of());
        // The fake network returns x + the first state value of each batch row.
        Guidance.ConditionedModel net = (x, t, states) -> {
            int n = x.dim(0);
            float[] out = x.data().clone();
            int row = out.length / n;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < row; i++) {
                    out[b * row + i] += states.data()[b * states.numel() / n];
                }
            }
            return new Tensor(x.shape(), out);
        };
        Tensor x = Tensor.zeros(1, 4, 2, 2);
        Tensor guided = Guidance.classifierFree(net, emb, 7.5).predict(x, 1);
        assertEquals(1 + 7.5f * (2 - 1), guided.data()[0], 1e-6);
        Tensor unguided = Guidance.classifierFree(net, emb, 1.0).predict(x, 1);
        assertEquals(2f, unguided.data()[0]);
        assertThrows(IllegalArgumentException.class, () -> Guidance.classifierFree(net, emb, -1));
    }
}
