package org.bivdiff.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.pipelines.DenoisingLoop;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

class DdimInversionTest {

    private static final Tensor X0 = Tensor.of(new float[] {0.3f, -0.4f, 0.8f, -0.1f}, 1, 1, 2, 2);
    private static final Tensor C = Tensor.of(new float[] {0.5f, 1.2f, -0.9f, 0.05f}, 1, 1, 2, 2);

    @Test
    void bivdiffIteratesAscendingTimestepsAndClampsTheLastNextTimestep() throws Exception {
        DdimInversion inv = DdimInversion.create(TestConfigs.sd15(SchedulerKind.DDIM), 4,
                DdimInversion.InversionKind.BIVDIFF_REVERSE_STEP);
        assertArrayEquals(new int[] {1, 251, 501, 751}, inv.timesteps());
        assertEquals(251, inv.nextTimestep(1));
        assertEquals(998, inv.nextTimestep(751));
    }

    @Test
    void bivdiffTreatsTheCleanLatentsAsX1AndLandsOn998() throws Exception {
        SchedulerConfig c = TestConfigs.sd15(SchedulerKind.DDIM);
        NoiseSchedule n = NoiseSchedule.of(c);
        DdimInversion inv = DdimInversion.create(c, 4, DdimInversion.InversionKind.BIVDIFF_REVERSE_STEP);
        Tensor out = DenoisingLoop.invert(inv, X0, (x, t) -> C);
        // first step: x0' = (x0 - sqrt(1 - a_1) c) / sqrt(a_1); later steps keep x0'; the end is at t = 998
        double a1 = n.alphaProd(1);
        Tensor x0Prime = Elementwise.combine(1 / Math.sqrt(a1), X0, -Math.sqrt(1 - a1) / Math.sqrt(a1), C);
        double a998 = n.alphaProd(998);
        Tensor expected = Elementwise.combine(Math.sqrt(a998), x0Prime, Math.sqrt(1 - a998), C);
        TensorAssert.assertClose(expected, out, 1e-5, 1e-5, "BIVDiff inversion");
    }

    @Test
    void textbookInversionLandsOnTheFirstDenoisingTimestepAndRoundTrips() throws Exception {
        SchedulerConfig c = TestConfigs.sd15With(SchedulerKind.DDIM, "set_alpha_to_one", "true");
        NoiseSchedule n = NoiseSchedule.of(c);
        DdimInversion inv = DdimInversion.create(c, 4, DdimInversion.InversionKind.TEXTBOOK_DDIM);
        assertEquals(751, inv.nextTimestep(751));
        Tensor noisy = DenoisingLoop.invert(inv, X0, (x, t) -> C);
        double a = n.alphaProd(751);
        TensorAssert.assertClose(Elementwise.combine(Math.sqrt(a), X0, Math.sqrt(1 - a), C), noisy, 1e-5, 1e-5,
                "textbook inversion");
        Tensor back = AnalyticModelTest.denoise(DdimScheduler.create(c, 4, 0), noisy, C);
        TensorAssert.assertClose(X0, back, 1e-5, 1e-5, "DDIM(inversion(x0))");
    }
}
