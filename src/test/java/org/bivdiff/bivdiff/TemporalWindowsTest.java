package org.bivdiff.bivdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.bivdiff.TemporalWindows.Weighting;
import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.pipelines.StepNoise;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Window placement, the blend's weights, and the windowed predictor with analytic stand-ins for the video UNet. */
class TemporalWindowsTest {

    private static List<FrameRange> ranges(int... bounds) {
        List<FrameRange> out = new ArrayList<>();
        for (int i = 0; i < bounds.length; i += 2) {
            out.add(new FrameRange(bounds[i], bounds[i + 1]));
        }
        return out;
    }

    /** (1, 2, F, 3, 2) latents whose every element is its frame index. */
    private static Tensor frameIndexLatents(int frames) {
        Tensor x = Tensor.zeros(1, 2, frames, 3, 2);
        float[] d = x.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (i / 6) % frames;
        }
        return x;
    }

    @Test
    void windowsStartEveryStrideAndTheLastIsFlushWithTheEnd() {
        TemporalWindows w = new TemporalWindows(8, 4, Weighting.PYRAMID);
        assertEquals(ranges(0, 8, 4, 12, 8, 16, 12, 20), w.over(20));
        // 22 frames: the stride stops at [12, 20), one more window ends at the last frame, as FreeNoise places it
        assertEquals(ranges(0, 8, 4, 12, 8, 16, 12, 20, 14, 22), w.over(22));
        assertEquals(ranges(0, 8), w.over(8));
        assertEquals(ranges(0, 5), w.over(5), "a video shorter than the window is one window");
        assertEquals(ranges(0, 8, 8, 16, 9, 17), w.tiling().over(17));
        assertEquals(ranges(0, 64), TemporalWindows.WHOLE_VIDEO.over(64));
        assertEquals(new TemporalWindows(24, 12, Weighting.PYRAMID), TemporalWindows.of(24));
    }

    @Test
    void frameWeightsAreFreeNoisesFlatAndPyramid() {
        TemporalWindows pyramid = TemporalWindows.of(8);
        assertArrayEquals(new double[] {1, 2, 3, 4, 4, 3, 2, 1}, pyramid.frameWeights(8));
        assertArrayEquals(new double[] {1, 2, 3, 2, 1}, pyramid.frameWeights(5));
        assertArrayEquals(new double[] {1, 1, 1}, new TemporalWindows(3, 1, Weighting.FLAT).frameWeights(3));
    }

    @Test
    void blendWeightsSumToOneAtEveryFrame() {
        for (Weighting weighting : Weighting.values()) {
            for (int length = 1; length <= 9; length++) {
                for (int stride = 1; stride <= length; stride++) {
                    TemporalWindows w = new TemporalWindows(length, stride, weighting);
                    for (int frames = 1; frames <= 40; frames++) {
                        List<FrameRange> windows = w.over(frames);
                        double[][] shares = w.blendWeights(frames);
                        double[] sum = new double[frames];
                        for (int k = 0; k < windows.size(); k++) {
                            assertEquals(windows.get(k).length(), shares[k].length);
                            for (int j = 0; j < shares[k].length; j++) {
                                assertTrue(shares[k][j] > 0, w + " over " + frames);
                                sum[windows.get(k).from() + j] += shares[k][j];
                            }
                        }
                        for (int f = 0; f < frames; f++) {
                            assertEquals(1.0, sum[f], 1e-12, w + " over " + frames + " frames, frame " + f);
                        }
                    }
                }
            }
        }
    }

    @Test
    void windowsThatAgreeBlendToTheirCommonPredictionExactly() {
        // Each window predicts every element's own frame index: all windows covering a frame agree, and the blend
        // (weight * eps summed in double, divided by the summed weights) returns exactly that value.
        NoisePredictor absoluteFrame = (x, t) -> x;
        Tensor x = frameIndexLatents(23);
        for (Weighting weighting : Weighting.values()) {
            Tensor blended = new TemporalWindows(8, 3, weighting).wrap(absoluteFrame).predict(x, 500);
            assertArrayEquals(x.data(), blended.data(), weighting.name());
        }
    }

    @Test
    void theBlendIsEachWindowsPredictionTimesItsShare() {
        // Window k predicts the constant k + 1 everywhere; frame f must get the sum over windows of share * (k + 1).
        TemporalWindows w = new TemporalWindows(6, 4, Weighting.PYRAMID);
        int frames = 15;
        List<FrameRange> windows = w.over(frames);
        NoisePredictor perWindow = (x, t) -> {
            int k = -1;
            float first = x.data()[0];
            for (int i = 0; i < windows.size(); i++) {
                if (windows.get(i).from() == (int) first) {
                    k = i;
                }
            }
            return Tensor.full(k + 1, x.shape());
        };
        Tensor blended = w.wrap(perWindow).predict(frameIndexLatents(frames), 1);
        double[][] shares = w.blendWeights(frames);
        double[] expected = new double[frames];
        for (int k = 0; k < windows.size(); k++) {
            for (int j = 0; j < shares[k].length; j++) {
                expected[windows.get(k).from() + j] += shares[k][j] * (k + 1);
            }
        }
        for (int i = 0; i < blended.numel(); i++) {
            assertEquals(expected[(i / 6) % frames], blended.data()[i], 1e-6, "element " + i);
        }
    }

    @Test
    void aVideoNoLongerThanTheWindowGoesToTheModelAsItIs() {
        Tensor x = StepNoise.seeded(3).draw(0, 2, 4, 8, 2, 2);
        Tensor eps = StepNoise.seeded(4).draw(0, 2, 4, 8, 2, 2);
        List<Tensor> seen = new ArrayList<>();
        NoisePredictor model = (sample, t) -> {
            seen.add(sample);
            return eps;
        };
        assertSame(eps, TemporalWindows.of(8).wrap(model).predict(x, 10));
        assertSame(eps, TemporalWindows.of(12).wrap(model).predict(x, 10));
        assertSame(model, TemporalWindows.WHOLE_VIDEO.wrap(model));
        assertEquals(2, seen.size());
        seen.forEach(s -> assertSame(x, s));
    }

    @Test
    void theModelSeesOneWindowAtATimeInOrder() {
        List<Integer> firstFrames = new ArrayList<>();
        NoisePredictor model = (x, t) -> {
            assertEquals(4, x.dim(2), "one window of frames");
            assertEquals(2, x.dim(0), "every video of the batch");
            firstFrames.add((int) x.data()[0]);
            return x;
        };
        Tensor two = Tensor.concat0(List.of(frameIndexLatents(10), frameIndexLatents(10)));
        new TemporalWindows(4, 2, Weighting.FLAT).wrap(model).predict(two, 1);
        assertEquals(List.of(0, 2, 4, 6), firstFrames);
    }

    @Test
    void unscaledLatentsAreWindowedAlongside() {
        Tensor scaled = frameIndexLatents(12);
        Tensor sample = VideoLatents.scale(scaled, 2f);
        NoisePredictor model = new NoisePredictor() {
            @Override
            public Tensor predict(Tensor sc, double t) {
                throw new AssertionError("the unscaled latents must reach the model");
            }

            @Override
            public Tensor predict(Tensor sc, Tensor sa, double t) {
                for (int i = 0; i < sc.numel(); i++) {
                    assertEquals(2 * sc.data()[i], sa.data()[i]);
                }
                return sa;
            }
        };
        Tensor out = TemporalWindows.of(4).wrap(model).predict(scaled, sample, 1);
        assertArrayEquals(sample.data(), out.data());
    }

    @Test
    void badWindowsAndShapesAreRefused() {
        var stride = assertThrows(IllegalArgumentException.class, () -> new TemporalWindows(8, 9, Weighting.FLAT));
        assertTrue(stride.getMessage().contains("stride 9"), stride.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TemporalWindows(0, 1, Weighting.FLAT));
        assertThrows(IllegalArgumentException.class, () -> new TemporalWindows(4, 0, Weighting.PYRAMID));
        var frames = assertThrows(IllegalArgumentException.class,
                () -> TemporalWindows.of(4).wrap((x, t) -> x).predict(Tensor.zeros(8, 4, 2, 2), 1));
        assertTrue(frames.getMessage().contains("(B, C, F, h, w)"), frames.getMessage());
        var shape = assertThrows(IllegalStateException.class,
                () -> TemporalWindows.of(4).wrap((x, t) -> Tensor.zeros(1, 2, 3, 3, 2)).predict(frameIndexLatents(9), 1));
        assertTrue(shape.getMessage().contains("[0, 4)"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FrameRange(3, 3));
        assertThrows(IllegalArgumentException.class, () -> FrameRange.batches(0, 4));
        assertEquals(ranges(0, 4, 4, 8, 8, 10), FrameRange.batches(10, 4));
    }
}
