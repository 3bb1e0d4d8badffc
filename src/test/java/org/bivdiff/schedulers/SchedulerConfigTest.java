package org.bivdiff.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bivdiff.io.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SchedulerConfigTest {

    @Test
    void sd15ConfigResolvesPerTargetClass() throws Exception {
        SchedulerConfig pndm = TestConfigs.sd15(SchedulerKind.PNDM);
        assertEquals(TimestepSpacing.LEADING, pndm.timestepSpacing());
        assertEquals(BetaSchedule.SCALED_LINEAR, pndm.betaSchedule());
        assertEquals(1, pndm.stepsOffset());
        assertFalse(pndm.setAlphaToOne());
        SchedulerConfig euler = TestConfigs.sd15(SchedulerKind.EULER);
        assertEquals(TimestepSpacing.LINSPACE, euler.timestepSpacing());
        assertEquals(0, euler.trainedBetas().length);
        SchedulerConfig ddim = TestConfigs.sd15(SchedulerKind.DDIM);
        assertFalse(ddim.clipSample());
        assertEquals(PredictionType.EPSILON, ddim.predictionType());
        assertEquals(DpmSolverOptions.DEFAULTS, TestConfigs.sd15(SchedulerKind.DPM_SOLVER_MULTISTEP).dpmSolver());
    }

    @Test
    void classDefaultsApplyWhenKeysAreAbsent() throws Exception {
        SchedulerConfig ddim = TestConfigs.parse("{}", SchedulerKind.DDIM);
        assertEquals(BetaSchedule.LINEAR, ddim.betaSchedule());
        assertEquals(0.0001, ddim.betaStart());
        assertTrue(ddim.clipSample());
        assertTrue(ddim.setAlphaToOne());
        assertEquals(0, ddim.stepsOffset());
    }

    @Test
    void unknownBetaScheduleFails() {
        var e = assertThrows(ConfigException.class,
                () -> TestConfigs.sd15With(SchedulerKind.DDIM, "beta_schedule", "\"sigmoid\""));
        assertTrue(e.getMessage().contains("beta_schedule"), e.getMessage());
    }

    @Test
    void unknownKeyFails() {
        var e = assertThrows(ConfigException.class,
                () -> TestConfigs.sd15With(SchedulerKind.DDIM, "predict_x0", "true"));
        assertTrue(e.getMessage().contains("predict_x0"), e.getMessage());
    }

    @Test
    void unsupportedOptionsFailLoudly() {
        assertThrows(ConfigException.class, () -> TestConfigs.sd15With(SchedulerKind.DDIM, "thresholding", "true"));
        assertThrows(ConfigException.class,
                () -> TestConfigs.sd15With(SchedulerKind.DPM_SOLVER_MULTISTEP, "thresholding", "true"));
        assertThrows(ConfigException.class,
                () -> TestConfigs.sd15With(SchedulerKind.PNDM, "skip_prk_steps", "false"));
        assertThrows(ConfigException.class,
                () -> TestConfigs.sd15With(SchedulerKind.DPM_SOLVER_MULTISTEP, "algorithm_type", "\"sde-dpmsolver++\""));
        assertThrows(ConfigException.class,
                () -> TestConfigs.sd15With(SchedulerKind.DPM_SOLVER_MULTISTEP, "solver_order", "3"));
        assertThrows(ConfigException.class,
                () -> TestConfigs.sd15With(SchedulerKind.EULER, "interpolation_type", "\"log_linear\""));
        assertThrows(ConfigException.class,
                () -> TestConfigs.sd15With(SchedulerKind.DDIM, "timestep_spacing", "\"uniform\""));
        assertThrows(ConfigException.class, () -> TestConfigs.sd15With(SchedulerKind.DDIM, "steps_offset", "1.5"));
    }

    @Test
    void thresholdingIsIgnoredForClassesThatDoNotTakeIt() throws Exception {
        // diffusers' from_config drops keys the target class does not take
        SchedulerConfig euler = TestConfigs.sd15With(SchedulerKind.EULER, "thresholding", "true");
        assertEquals(SchedulerKind.EULER, euler.kind());
    }

    @Test
    void trainedBetasAreReadAndChecked() throws Exception {
        SchedulerConfig c = TestConfigs.parse("{\"num_train_timesteps\": 3, \"trained_betas\": [0.1, 0.2, 0.3]}",
                SchedulerKind.DDIM);
        assertArrayEquals(new double[] {0.1, 0.2, 0.3}, c.trainedBetas());
        assertThrows(ConfigException.class, () -> TestConfigs.parse(
                "{\"num_train_timesteps\": 4, \"trained_betas\": [0.1, 0.2, 0.3]}", SchedulerKind.DDIM));
    }

    @Test
    void classNameSelectsTheKind() {
        assertEquals(SchedulerKind.DPM_SOLVER_MULTISTEP, SchedulerKind.byClassName("DPMSolverMultistepScheduler"));
        assertThrows(IllegalArgumentException.class, () -> SchedulerKind.byClassName("UniPCMultistepScheduler"));
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void zeroStepsAndTooManyStepsFail(SchedulerKind kind) throws Exception {
        SchedulerConfig c = TestConfigs.sd15(kind);
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create(c, 0));
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create(c, -3));
        assertThrows(IllegalArgumentException.class, () -> Schedulers.create(c, 1001));
    }
}
