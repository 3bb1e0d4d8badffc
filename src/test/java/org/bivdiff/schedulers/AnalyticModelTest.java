package org.bivdiff.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bivdiff.conformance.TensorAssert;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tier 1: schedulers against an analytic model. With x_T built from x_0 and a constant noise c, the model
 * that always predicts c is exact, so every deterministic scheduler must keep x on the forward-process
 * line and end at the noise level of its last sigma / alpha: results derivable by hand.
 */
class AnalyticModelTest {

    private static final int[] SHAPE = {1, 2, 2, 2};

    private static Tensor ramp(float from, float step) {
        float[] d = new float[8];
        for (int i = 0; i < d.length; i++) {
            d[i] = from + step * i;
        }
        return Tensor.of(d, SHAPE);
    }

    private static final Tensor X0 = ramp(-0.7f, 0.2f);
    private static final Tensor C = ramp(0.9f, -0.25f);

    @Test
    void linearBetasGiveHandComputedAlphasCumprod() throws Exception {
        SchedulerConfig c = TestConfigs.parse("{\"num_train_timesteps\": 3, \"beta_start\": 0.1, \"beta_end\": 0.3}",
                SchedulerKind.DDIM);
        NoiseSchedule s = NoiseSchedule.of(c);
        assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f}, s.betas(), 1e-7f);
        assertArrayEquals(new float[] {0.9f, 0.72f, 0.504f}, s.alphasCumprod(), 1e-6f);
    }

    @Test
    void ddimTimestepSpacings() throws Exception {
        assertArrayEquals(new double[] {751, 501, 251, 1}, Schedulers.create(TestConfigs.sd15(SchedulerKind.DDIM), 4).timesteps());
        assertArrayEquals(new double[] {999, 749, 499, 249}, Schedulers.create(
                TestConfigs.sd15With(SchedulerKind.DDIM, "timestep_spacing", "\"trailing\""), 4).timesteps());
        assertArrayEquals(new double[] {999, 666, 333, 0}, Schedulers.create(
                TestConfigs.sd15With(SchedulerKind.DDIM, "timestep_spacing", "\"linspace\""), 4).timesteps());
        assertArrayEquals(new double[] {751, 501, 501, 251, 1},
                Schedulers.create(TestConfigs.sd15(SchedulerKind.PNDM), 4).timesteps());
        assertArrayEquals(new double[] {999, 749, 500, 250},
                Schedulers.create(TestConfigs.sd15(SchedulerKind.DPM_SOLVER_MULTISTEP), 4).timesteps());
    }

    @ParameterizedTest
    @EnumSource(value = SchedulerKind.class, names = {"DDIM", "PNDM"})
    void alphaSchedulersFollowTheExactTrajectory(SchedulerKind kind) throws Exception {
        // set_alpha_to_one: the final alpha is 1, so the last step lands on x_0 itself
        Scheduler s = Schedulers.create(TestConfigs.sd15With(kind, "set_alpha_to_one", "true"), 10);
        Tensor x = s.addNoise(X0, C, s.timesteps()[0]);
        Tensor out = denoise(s, x, C);
        TensorAssert.assertClose(X0, out, 2e-5, 1e-5, kind + " final sample");
    }

    @ParameterizedTest
    @EnumSource(value = SchedulerKind.class, names = {"EULER", "LMS"})
    void sigmaSchedulersEndAtSigmaZero(SchedulerKind kind) throws Exception {
        Scheduler s = Schedulers.create(TestConfigs.sd15(kind), 10);
        Tensor x = s.addNoise(X0, C, s.timesteps()[0]); // x_0 + sigma_max c
        TensorAssert.assertClose(X0, denoise(s, x, C), 1e-4, 1e-5, kind + " final sample");
    }

    @Test
    void dpmSolverEndsAtTheLastSigmaLevel() throws Exception {
        DpmSolverMultistepScheduler s = DpmSolverMultistepScheduler.create(
                TestConfigs.sd15(SchedulerKind.DPM_SOLVER_MULTISTEP), 10);
        Tensor x = s.addNoise(X0, C, s.timesteps()[0]);
        float[] sigmas = s.sigmas();
        double last = sigmas[sigmas.length - 1];
        double alpha = 1 / Math.sqrt(last * last + 1);
        Tensor expected = Elementwise.combine(alpha, X0, last * alpha, C);
        TensorAssert.assertClose(expected, denoise(s, x, C), 2e-5, 1e-5, "DPM-Solver++ final sample");
    }

    @Test
    void eulerAncestralSplitsTheStepIntoSigmaDownAndSigmaUp() throws Exception {
        EulerAncestralDiscreteScheduler s = EulerAncestralDiscreteScheduler.create(
                TestConfigs.sd15(SchedulerKind.EULER_ANCESTRAL), 10);
        double t = s.timesteps()[3];
        double from = s.sigmas()[3];
        double to = s.sigmas()[4];
        double up = Math.sqrt(to * to * (from * from - to * to) / (from * from));
        double down = Math.sqrt(to * to - up * up);
        Tensor ones = Tensor.full(1f, SHAPE);
        Tensor zeros = Tensor.zeros(SHAPE);
        // x_0 = 0, eps = 1: x = sigma_from; x_prev = sigma_down + sigma_up z
        Tensor x = Tensor.full((float) from, SHAPE);
        TensorAssert.assertClose(Tensor.full((float) down, SHAPE), s.step(ones, t, x, zeros).prevSample(),
                1e-6, 1e-6, "z = 0");
        TensorAssert.assertClose(Tensor.full((float) (down + up), SHAPE), s.step(ones, t, x, ones).prevSample(),
                1e-6, 1e-6, "z = 1");
        assertThrows(IllegalArgumentException.class, () -> s.step(ones, t, x, null));
    }

    @Test
    void ddimEtaAddsTheDdpmPosteriorStd() throws Exception {
        SchedulerConfig c = TestConfigs.sd15(SchedulerKind.DDIM);
        DdimScheduler s = DdimScheduler.create(c, 10, 1.0);
        NoiseSchedule n = s.noiseSchedule();
        double a = n.alphaProd(501);
        double ap = n.alphaProd(401);
        double std = Math.sqrt((1 - ap) / (1 - a) * (1 - a / ap));
        Tensor x = Tensor.full(0.5f, SHAPE);
        Tensor eps = Tensor.full(0.25f, SHAPE);
        Tensor z = Tensor.full(2f, SHAPE);
        double x0 = (0.5 - Math.sqrt(1 - a) * 0.25) / Math.sqrt(a);
        double expected = Math.sqrt(ap) * x0 + Math.sqrt(1 - ap - std * std) * 0.25 + std * 2;
        TensorAssert.assertClose(Tensor.full((float) expected, SHAPE), s.step(eps, 501, x, z).prevSample(),
                1e-6, 1e-6, "DDIM eta=1 step");
        assertThrows(IllegalArgumentException.class, () -> s.step(eps, 501, x, null));
    }

    @Test
    void ddimStepRejectsFractionalTimesteps() throws Exception {
        DdimScheduler s = DdimScheduler.create(TestConfigs.sd15(SchedulerKind.DDIM), 10, 0);
        assertThrows(IllegalArgumentException.class, () -> s.step(C, 500.5, X0, null));
    }

    @Test
    void lmsCoefficientsIntegrateToTheSigmaStep() throws Exception {
        LmsDiscreteScheduler s = LmsDiscreteScheduler.create(TestConfigs.sd15(SchedulerKind.LMS), 10);
        float[] sigmas = s.sigmas();
        for (int i = 0; i < 10; i++) {
            double sum = 0;
            for (double c : s.lmsCoefficients(i)) {
                sum += c;
            }
            // the Lagrange basis sums to 1, so its integral is sigma_{i+1} - sigma_i
            assertEquals(sigmas[i + 1] - sigmas[i], sum, 1e-5, "step " + i);
        }
    }

    /** The loop with the constant model {@code c}. */
    static Tensor denoise(Scheduler s, Tensor x, Tensor c) {
        Sampler run = s.sampler();
        for (double t : s.timesteps()) {
            s.scaleModelInput(x, t);
            x = run.step(c, t, x, null).prevSample();
        }
        return x;
    }
}
