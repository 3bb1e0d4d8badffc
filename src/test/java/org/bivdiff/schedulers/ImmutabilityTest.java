package org.bivdiff.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A built scheduler never changes: the same inputs give the same outputs, runs do not share state. */
class ImmutabilityTest {

    private static Tensor pattern(int seed) {
        float[] d = new float[2 * 4 * 3 * 3];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) Math.sin(seed * 31 + i * 0.37);
        }
        return Tensor.of(d, 2, 4, 3, 3);
    }

    private static List<Tensor> run(Scheduler s) {
        Sampler sampler = s.sampler();
        Tensor x = pattern(1);
        List<Tensor> out = new ArrayList<>();
        double[] ts = s.timesteps();
        for (int i = 0; i < ts.length; i++) {
            Tensor xIn = s.scaleModelInput(x, ts[i]);
            Tensor eps = Elementwise.map2(xIn, pattern(i + 2), (a, b) -> 0.5 * a + 0.1 * b);
            x = sampler.step(eps, ts[i], x, pattern(100 + i)).prevSample();
            out.add(x);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(SchedulerKind.class)
    void sameInputsTwiceGiveSameOutputs(SchedulerKind kind) throws Exception {
        SchedulerConfig c = TestConfigs.sd15(kind);
        Scheduler s = kind == SchedulerKind.DDIM ? DdimScheduler.create(c, 7, 0.5) : Schedulers.create(c, 7);
        double[] ts = s.timesteps();
        ts[0] = -42;                                    // a returned copy: the scheduler is unaffected
        Tensor probe = pattern(9);
        Tensor before = new Tensor(probe.shape(), probe.data().clone());
        List<Tensor> first = run(s);
        List<Tensor> second = run(s);                   // a second run starts from a clean history
        List<Tensor> fresh = run(c.kind() == SchedulerKind.DDIM ? DdimScheduler.create(c, 7, 0.5)
                : Schedulers.create(c, 7));
        assertEquals(first, second);
        assertEquals(first, fresh);
        assertArrayEquals(Schedulers.create(c, 7).timesteps(), s.timesteps());
        s.addNoise(probe, pattern(3), s.timesteps()[2]);
        s.scaleModelInput(probe, s.timesteps()[2]);
        assertEquals(before, probe);                    // inputs are never modified
    }
}
