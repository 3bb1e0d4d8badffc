package org.bivdiff.bivdiff;

import java.util.Arrays;

import org.bivdiff.tensor.Tensor;

/**
 * Host-side layout changes between frames and videos: einops {@code '(b f) c h w -> b c f h w'} and
 * back, and scaling.
 */
public final class VideoLatents {

    private VideoLatents() {
    }

    /** (B*F, C, H, W) -> (B, C, F, H, W). */
    public static Tensor toVideo(Tensor frames, int framesPerVideo) {
        int[] s = frames.shape();
        if (s.length != 4 || framesPerVideo < 1 || s[0] % framesPerVideo != 0) {
            throw new IllegalArgumentException("frames must be (B*F, C, H, W) with F = " + framesPerVideo
                    + ", got " + Arrays.toString(s));
        }
        int b = s[0] / framesPerVideo;
        return permute(frames, b, framesPerVideo, s[1], s[2] * s[3], true);
    }

    /** (B, C, F, H, W) -> (B*F, C, H, W). */
    public static Tensor toFrames(Tensor video) {
        int[] s = video.shape();
        if (s.length != 5) {
            throw new IllegalArgumentException("video must be (B, C, F, H, W), got " + Arrays.toString(s));
        }
        return permute(video, s[0], s[2], s[1], s[3] * s[4], false);
    }

    /**
     * Frames {@code range} of every video: {@code video[:, :, from:to]}.
     *
     * @param video (B, C, F, H, W)
     * @return (B, C, to - from, H, W): a copy, or {@code video} itself when the range is all of it
     */
    public static Tensor frames(Tensor video, FrameRange range) {
        int[] s = video.shape();
        if (s.length != 5 || range.to() > s[2]) {
            throw new IllegalArgumentException("cannot take frames " + range + " of a video " + Arrays.toString(s)
                    + " (B, C, F, H, W)");
        }
        if (range.isWhole(s[2])) {
            return video;
        }
        int plane = s[3] * s[4];
        int n = range.length();
        float[] in = video.data();
        float[] out = new float[s[0] * s[1] * n * plane];
        for (int bc = 0; bc < s[0] * s[1]; bc++) {
            System.arraycopy(in, (bc * s[2] + range.from()) * plane, out, bc * n * plane, n * plane);
        }
        return Tensor.of(out, s[0], s[1], n, s[3], s[4]);
    }

    /** x * factor, elementwise in float32. */
    public static Tensor scale(Tensor x, float factor) {
        float[] d = x.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] * factor;
        }
        return new Tensor(x.shape(), out);
    }

    /** Swaps the frame and channel axes of a (B, F, C, P) or (B, C, F, P) block; P = H * W. */
    private static Tensor permute(Tensor x, int b, int f, int c, int p, boolean framesFirst) {
        float[] in = x.data();
        float[] out = new float[in.length];
        for (int bi = 0; bi < b; bi++) {
            for (int fi = 0; fi < f; fi++) {
                for (int ci = 0; ci < c; ci++) {
                    int frameMajor = ((bi * f + fi) * c + ci) * p;
                    int channelMajor = ((bi * c + ci) * f + fi) * p;
                    if (framesFirst) {
                        System.arraycopy(in, frameMajor, out, channelMajor, p);
                    } else {
                        System.arraycopy(in, channelMajor, out, frameMajor, p);
                    }
                }
            }
        }
        int[] s = x.shape();
        int h = framesFirst ? s[2] : s[3];
        int w = framesFirst ? s[3] : s[4];
        return framesFirst ? Tensor.of(out, b, c, f, h, w) : Tensor.of(out, b * f, c, h, w);
    }
}
