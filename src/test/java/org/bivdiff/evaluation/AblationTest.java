package org.bivdiff.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.bivdiff.bivdiff.BivdiffPipeline;
import org.bivdiff.bivdiff.Strategy;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The variants of an ablation and the time its shared stages saved (the runs themselves: AblateCommandTest). */
class AblationTest {

    @Test
    void ratiosMultiplyOnlyTheStrategiesThatHaveOne() {
        List<Ablation.Variant> v = Ablation.variants(List.of(Strategy.SEQUENTIAL, Strategy.IDM_ONLY, Strategy.FUSE,
                Strategy.SEQUENTIAL), List.of(0.25, 1.0));
        assertEquals(List.of(new Ablation.Variant(Strategy.SEQUENTIAL, 0.25), new Ablation.Variant(Strategy.SEQUENTIAL, 1.0),
                new Ablation.Variant(Strategy.IDM_ONLY, 0.25), new Ablation.Variant(Strategy.FUSE, 0.25),
                new Ablation.Variant(Strategy.FUSE, 1.0)), v);
        assertThrows(IllegalArgumentException.class, () -> Ablation.variants(List.of(), List.of(0.5)));
        assertThrows(IllegalArgumentException.class, () -> Ablation.variants(List.of(Strategy.FUSE), List.of(1.5)));
    }

    private static Ablation.Outcome outcome(Strategy s, double a, Map<String, Duration> times, Set<String> reused) {
        BivdiffPipeline.Result r = new BivdiffPipeline.Result(Optional.empty(), Optional.empty(), Tensor.zeros(1),
                times, reused);
        return new Ablation.Outcome(new Ablation.Variant(s, a), r);
    }

    private static Map<String, Duration> times(Object... labelsAndSeconds) {
        Map<String, Duration> m = new LinkedHashMap<>();
        for (int i = 0; i < labelsAndSeconds.length; i += 2) {
            m.put((String) labelsAndSeconds[i], Duration.ofMillis(Math.round((Double) labelsAndSeconds[i + 1] * 1000)));
        }
        return m;
    }

    @Test
    void savedTimeCountsEachSharedStageAtItsCost() {
        var first = outcome(Strategy.SEQUENTIAL, 0.5, times("frame-wise generation", 10.0, "frame encoding", 1.0,
                "inversion (image)", 4.0, "inversion (video)", 6.0, "temporal smoothing", 5.0), Set.of());
        var second = outcome(Strategy.SEQUENTIAL, 1.0, times("frame-wise generation", 0.01, "frame encoding", 0.01,
                "inversion (image)", 0.01, "temporal smoothing", 5.0), Set.of("idm_frames", "frame_latents",
                "inversion_image"));
        var idmOnly = outcome(Strategy.IDM_ONLY, 0.5, times("frame-wise generation", 0.01), Set.of("idm_frames"));
        var vdmOnly = outcome(Strategy.VDM_ONLY, 0.5, times("text-to-video", 7.0), Set.of());
        assertEquals(Duration.ofSeconds(10 + 1 + 4 + 10), Ablation.savedByReuse(List.of(first, second, idmOnly, vdmOnly)));
        assertEquals(Duration.ofSeconds(26), first.total());
        // Stages stored by an earlier, interrupted ablation: no variant here paid for them.
        assertEquals(Duration.ZERO, Ablation.savedByReuse(List.of(second)));
    }
}
