package org.bivdiff.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.bivdiff.graph.Engine;
import org.bivdiff.media.Image8;
import org.bivdiff.models.random.TinyModels;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol's arithmetic on the tiny random CLIP: both metrics, the consecutive variant and a single frame,
 * checked against the definitions written out here. The reference values themselves are the clip_eval case's.
 */
class ClipMetricsTest {

    @TempDir
    static Path dir;
    private static ClipMetrics metrics;

    @BeforeAll
    static void load() throws IOException {
        Path clip = TinyModels.clip(dir.resolve("clip"), 11);
        metrics = ClipMetrics.load(clip, clip, new Engine(Engine.Options.defaults().withThreads(1)));
    }

    @AfterAll
    static void close() {
        metrics.close();
    }

    static List<Image8> frames(int n, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Image8> out = new ArrayList<>();
        for (int f = 0; f < n; f++) {
            byte[] px = new byte[h * w * 3];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) r.nextInt(256);
            }
            out.add(new Image8(h, w, 3, px));
        }
        return out;
    }

    @Test
    void scoresFollowTheirDefinitions() {
        List<Image8> frames = frames(11, 37, 53, 3);   // more frames than one vision call takes
        ClipMetrics.Evaluation e = metrics.evaluate(frames, "a cat playing with yarn");
        Tensor image = e.clip().imageFeatures();
        Tensor text = metrics.model().textFeatures(e.inputIds());
        assertArrayEquals(new int[] {11, 3, 32, 32}, e.pixelValues().shape());
        double[] expected = ClipFormulas.scores(image, text, metrics.model().logitScale());
        assertEquals(expected[0], e.scores().textualAlignment(), 1e-5);
        assertEquals(expected[1], e.scores().frameConsistency(), 1e-6);
        assertEquals(expected[2], e.scores().consecutiveFrameConsistency(), 1e-6);
        assertEquals(ClipFormulas.cosine(image, 3, image, 7), e.cosineMatrix().data()[3 * 11 + 7], 1e-6);
        assertEquals(0f, e.cosineMatrix().data()[5 * 11 + 5], "the diagonal is set to 0");
        assertEquals(11, e.scores().frames());
        // One frame scored alone is the same frame's row of the batch.
        ClipMetrics.Evaluation alone = metrics.evaluate(frames.subList(10, 11), "a cat playing with yarn");
        assertEquals(e.clip().logitsPerImage().data()[10], alone.clip().logitsPerImage().data()[0], 1e-5);
        assertTrue(Double.isNaN(alone.scores().frameConsistency()), "0 / 0 for a single frame, as the reference");
    }

    @Test
    void aZeroFeatureRowHasCosineZeroAsScikitLearnGivesIt() {
        Tensor f = Tensor.of(new float[] {0, 0, 1, 2, 2, 4}, 3, 2);
        Tensor c = ClipMetrics.cosineMatrix(f);
        assertEquals(0f, c.data()[1]);
        assertEquals(1f, c.data()[1 * 3 + 2], 1e-7f);
    }

    @Test
    void promptsTooLongForClipAreRefusedNotTruncated() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> metrics.evaluate(frames(2, 8, 8, 1), "word ".repeat(80)));
        assertTrue(e.getMessage().contains("does not truncate") && e.getMessage().contains("at most 77"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> metrics.evaluate(List.of(), "a cat"));
    }
}
