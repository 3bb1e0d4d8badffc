package org.bivdiff.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Engine;
import org.bivdiff.models.random.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole-pipeline benchmark on the tiny models: what it reports, not how fast. */
class PipelineBenchTest {

    @Test
    void aRunReportsEveryStageThePeakAndThePhases(@TempDir Path dir) throws Exception {
        PipelineFolders folders = new PipelineFolders(TinyModels.stableDiffusion(dir.resolve("sd"), 1),
                TinyModels.controlNet(dir.resolve("cn"), 2), TinyModels.videoModel(dir.resolve("video"), 3));
        List<String> log = new ArrayList<>();
        PipelineBench.Run run = PipelineBench.run("tiny-e2e", new PipelineBench.Spec(2, 64, 1, 0), folders, Engine.cpu(),
                log::add);

        assertEquals(List.of("frame-wise generation", "frame encoding", "inversion (image)", "inversion (video)",
                "temporal smoothing", "total"),
                List.copyOf(run.stageSeconds().keySet()));
        assertTrue(run.stageSeconds().values().stream().allMatch(s -> s > 0), run.stageSeconds().toString());
        List<String> phases = run.phases().stream().map(PipelineBench.Phase::label).toList();
        assertEquals(List.of("up to controlnet 1/1", "up to inversion (image) 1/1", "up to inversion (video) 1/1",
                "up to temporal smoothing 1/1", "after the last step (VAE decode)"), phases);
        if (MemoryStats.peak() > 0) {
            assertTrue(run.phases().stream().allMatch(p -> p.maxRss() > 0 && p.maxRss() <= run.peakRss()),
                    run.toString());
        }
        assertEquals(4, log.size(), log.toString());
    }

    @Test
    void aSpecMustBeARunnableSize() {
        assertThrows(IllegalArgumentException.class, () -> new PipelineBench.Spec(4, 100, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new PipelineBench.Spec(0, 256, 10, 0));
    }
}
