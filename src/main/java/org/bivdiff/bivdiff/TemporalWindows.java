package org.bivdiff.bivdiff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.bivdiff.pipelines.NoisePredictor;
import org.bivdiff.tensor.Tensor;

/**
 * Overlapping temporal windows for videos longer than the video model's window, scheduled as diffusers' FreeNoise
 * context scheduling does ({@code src/diffusers/models/attention.py}, {@code FreeNoiseTransformerBlock}'s
 * {@code _get_frame_indices} and {@code _get_frame_weights}): windows of {@code length} frames start every
 * {@code stride} frames from frame 0 while they fit, and when the last of them does not end at the last frame one
 * more window is placed flush with the end. {@link #wrap} turns a noise predictor over whole videos into one that,
 * at every denoising or inversion step, predicts each window on its own and blends the overlapping predictions per
 * frame with weights that sum to one: {@link Weighting#FLAT} or {@link Weighting#PYRAMID}.
 *
 * <p>Where this differs from FreeNoise: there the blending happens inside each transformer block's temporal
 * attention; here the whole network runs per window and its predictions are blended, so the video model never sees
 * more than {@code length} frames and its memory is that of one window. diffusers' block adds the flush last window
 * only on the frames no earlier window covers and divides them by the weight of a single frame
 * ({@code weights[:, -last_frame_batch_length]}), which under pyramid weighting does not sum to one; here the last
 * window is blended like every other.
 *
 * <p>A video no longer than {@code length} is one window: the wrapped predictor is called once on the whole video
 * and its output is returned as it is, bit for bit. Windows run in order of their first frame, so the blend is
 * deterministic.
 *
 * @param length    frames per window (the video model's window: 8 for BIVDiff's settings; ZeroScope was trained at 24)
 * @param stride    frames between the starts of consecutive windows, 1 to {@code length} ({@code length}: no overlap)
 * @param weighting how much each frame of a window counts in the blend
 */
public record TemporalWindows(int length, int stride, Weighting weighting) {

    /** How the frames of one window are weighted before the blend's weights are normalised per frame. */
    public enum Weighting {
        /** Every frame of every window alike: the blend is the mean of the windows covering a frame. */
        FLAT,
        /**
         * FreeNoise's default: 1, 2, ..., up to the middle and back down ({@code [1, 2, 3, 4, 4, 3, 2, 1]} for 8,
         * {@code [1, 2, 3, 2, 1]} for 5), so a window counts least at its edges, where it meets its neighbours.
         */
        PYRAMID
    }

    /** One window as long as any video: the video model sees the whole video at once, as BIVDiff runs it. */
    public static final TemporalWindows WHOLE_VIDEO = new TemporalWindows(Integer.MAX_VALUE, Integer.MAX_VALUE,
            Weighting.FLAT);

    public TemporalWindows {
        Objects.requireNonNull(weighting, "weighting");
        if (length < 1 || stride < 1 || stride > length) {
            throw new IllegalArgumentException("temporal windows need length >= 1 and a stride from 1 to the length "
                    + "(a longer stride would leave frames no window covers), got length " + length + ", stride "
                    + stride);
        }
    }

    /** Windows of {@code length} frames overlapping by half ({@code stride = length / 2}), pyramid-weighted. */
    public static TemporalWindows of(int length) {
        return new TemporalWindows(length, Math.max(1, length / 2), Weighting.PYRAMID);
    }

    /** Whether this is {@link #WHOLE_VIDEO}'s length: every video is one window. */
    public boolean isWholeVideo() {
        return length == Integer.MAX_VALUE;
    }

    /**
     * The same windows without overlap ({@code stride = length}), for a model whose frames do not depend on each
     * other within a window, which needs no blending to join its windows.
     */
    public TemporalWindows tiling() {
        return new TemporalWindows(length, length, weighting);
    }

    /** The windows over a video of {@code frames} frames, in order of their first frame. */
    public List<FrameRange> over(int frames) {
        if (frames < 1) {
            throw new IllegalArgumentException("a video has at least one frame, got " + frames);
        }
        if (frames <= length) {
            return List.of(new FrameRange(0, frames));
        }
        List<FrameRange> out = new ArrayList<>();
        for (int start = 0; start + length <= frames; start += stride) {
            out.add(new FrameRange(start, start + length));
        }
        if (out.getLast().to() != frames) {
            out.add(new FrameRange(frames - length, frames));
        }
        return out;
    }

    /** Each frame's weight within a window of {@code frames} frames, before normalisation. */
    public double[] frameWeights(int frames) {
        double[] w = new double[frames];
        for (int i = 0; i < frames; i++) {
            // pyramid: distance to the nearer end, plus one; for odd lengths the middle frame is the peak
            w[i] = weighting == Weighting.FLAT ? 1 : Math.min(i + 1, frames - i);
        }
        return w;
    }

    /**
     * The blend's weights over a video of {@code frames} frames: row k holds, for each frame of window k (see
     * {@link #over}), that window's share of the frame's prediction. For every frame, the shares of the windows
     * covering it sum to one.
     */
    public double[][] blendWeights(int frames) {
        List<FrameRange> windows = over(frames);
        double[] total = totals(windows, frames);
        double[][] out = new double[windows.size()][];
        for (int k = 0; k < windows.size(); k++) {
            FrameRange r = windows.get(k);
            double[] w = frameWeights(r.length());
            out[k] = new double[w.length];
            for (int j = 0; j < w.length; j++) {
                out[k][j] = w[j] / total[r.from() + j];
            }
        }
        return out;
    }

    /**
     * {@code model} run window by window and blended. It receives video latents (B, C, L, h, w) of one window,
     * its output must have the same shape; the wrapped predictor takes (B, C, F, h, w) and returns the blend of
     * the same shape. A video of at most {@code length} frames goes to {@code model} as it is. Predictors that need
     * the unscaled latents too ({@link NoisePredictor#predict(Tensor, Tensor, double)}) get both, windowed alike.
     */
    public NoisePredictor wrap(NoisePredictor model) {
        Objects.requireNonNull(model, "model");
        return isWholeVideo() ? model : new Windowed(this, model);
    }

    @Override
    public String toString() {
        return isWholeVideo() ? "TemporalWindows[whole video]"
                : "TemporalWindows[length=" + length + ", stride=" + stride + ", weighting=" + weighting + "]";
    }

    private double[] totals(List<FrameRange> windows, int frames) {
        double[] total = new double[frames];
        for (FrameRange r : windows) {
            double[] w = frameWeights(r.length());
            for (int j = 0; j < w.length; j++) {
                total[r.from() + j] += w[j];
            }
        }
        return total;
    }

    /** The windowed predictor: predicts every window, accumulates weight * eps per frame in double, divides. */
    private record Windowed(TemporalWindows windows, NoisePredictor model) implements NoisePredictor {

        @Override
        public Tensor predict(Tensor scaledSample, double timestep) {
            return blend(scaledSample, r -> model.predict(VideoLatents.frames(scaledSample, r), timestep));
        }

        @Override
        public Tensor predict(Tensor scaledSample, Tensor sample, double timestep) {
            return blend(scaledSample, r -> model.predict(VideoLatents.frames(scaledSample, r),
                    VideoLatents.frames(sample, r), timestep));
        }

        private interface PerWindow {
            Tensor predict(FrameRange window);
        }

        private Tensor blend(Tensor sample, PerWindow perWindow) {
            int[] s = sample.shape();
            if (s.length != 5) {
                throw new IllegalArgumentException("temporal windows need video latents (B, C, F, h, w), got "
                        + Arrays.toString(s));
            }
            int frames = s[2];
            List<FrameRange> ranges = windows.over(frames);
            if (ranges.size() == 1) {
                return perWindow.predict(ranges.getFirst());
            }
            int plane = s[3] * s[4];
            int rows = s[0] * s[1];                                   // B * C
            double[] acc = new double[sample.numel()];
            for (FrameRange r : ranges) {
                Tensor eps = perWindow.predict(r);                      // (B, C, L, h, w)
                int[] expected = s.clone();
                expected[2] = r.length();
                if (!Arrays.equals(eps.shape(), expected)) {
                    throw new IllegalStateException("the model returned " + Arrays.toString(eps.shape())
                            + " for the window " + r + " of shape " + Arrays.toString(expected));
                }
                double[] w = windows.frameWeights(r.length());
                float[] e = eps.data();
                for (int bc = 0; bc < rows; bc++) {
                    for (int j = 0; j < r.length(); j++) {
                        int src = (bc * r.length() + j) * plane;
                        int dst = (bc * frames + r.from() + j) * plane;
                        for (int p = 0; p < plane; p++) {
                            acc[dst + p] += w[j] * e[src + p];
                        }
                    }
                }
            }
            double[] total = windows.totals(ranges, frames);
            float[] out = new float[acc.length];
            for (int bc = 0; bc < rows; bc++) {
                for (int f = 0; f < frames; f++) {
                    int at = (bc * frames + f) * plane;
                    for (int p = 0; p < plane; p++) {
                        out[at + p] = (float) (acc[at + p] / total[f]);
                    }
                }
            }
            return new Tensor(s, out);
        }
    }
}
