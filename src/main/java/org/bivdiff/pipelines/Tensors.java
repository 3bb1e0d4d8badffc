package org.bivdiff.pipelines;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.bivdiff.tensor.Tensor;

/**
 * The small float32 tensor operations the pipelines need between network calls, each written as torch
 * computes it in float32 so results match the reference bit for bit where torch's are exact.
 */
public final class Tensors {

    private Tensors() {
    }

    /** {@code x * c} elementwise. */
    public static Tensor scale(Tensor x, double c) {
        float f = (float) c;
        float[] d = x.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] * f;
        }
        return new Tensor(x.shape(), out);
    }

    /** {@code x / c} elementwise (a float32 division, not a multiplication by 1 / c). */
    public static Tensor divide(Tensor x, double c) {
        float f = (float) c;
        float[] d = x.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] / f;
        }
        return new Tensor(x.shape(), out);
    }

    /** diffusers' {@code image_processor.normalize}: [0, 1] to [-1, 1] as {@code 2 * x - 1}. */
    public static Tensor normalize(Tensor unit) {
        float[] d = unit.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = 2f * d[i] - 1f;
        }
        return new Tensor(unit.shape(), out);
    }

    /** diffusers' {@code image_processor.postprocess(..., output_type='pt')}: {@code (x / 2 + 0.5).clamp(0, 1)}. */
    public static Tensor denormalize(Tensor signed) {
        float[] d = signed.data();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = Math.min(1f, Math.max(0f, d[i] / 2f + 0.5f));
        }
        return new Tensor(signed.shape(), out);
    }

    /** {@code cat([x] * times, dim=0)}: the whole batch repeated, as the pipelines build guidance batches. */
    public static Tensor repeatBatch(Tensor x, int times) {
        return times == 1 ? x : Tensor.concat0(Collections.nCopies(times, x));
    }

    /** {@code x.repeat_interleave(times, dim=0)}: each row repeated in place. */
    public static Tensor repeatInterleave(Tensor x, int times) {
        if (times == 1) {
            return x;
        }
        List<Tensor> rows = new ArrayList<>();
        for (int i = 0; i < x.dim(0); i++) {
            Tensor row = x.slice0(i, i + 1);
            for (int r = 0; r < times; r++) {
                rows.add(row);
            }
        }
        return Tensor.concat0(rows);
    }

    /**
     * {@code torch.cat(parts, dim=1)} of (N, C_i, ...) tensors with equal N and trailing dimensions.
     *
     * @return (N, sum C_i, ...)
     */
    public static Tensor concatChannels(List<Tensor> parts) {
        int[] first = parts.getFirst().shape();
        int n = first[0];
        int plane = 1;
        for (int d = 2; d < first.length; d++) {
            plane *= first[d];
        }
        int channels = 0;
        for (Tensor t : parts) {
            int[] s = t.shape();
            if (s.length != first.length || s[0] != n || !Arrays.equals(s, 2, s.length, first, 2, first.length)) {
                throw new IllegalArgumentException("cannot concatenate " + Arrays.toString(s) + " with "
                        + Arrays.toString(first) + " along channels");
            }
            channels += s[1];
        }
        float[] out = new float[n * channels * plane];
        for (int b = 0; b < n; b++) {
            int at = b * channels * plane;
            for (Tensor t : parts) {
                int len = t.dim(1) * plane;
                System.arraycopy(t.data(), b * len, out, at, len);
                at += len;
            }
        }
        int[] shape = first.clone();
        shape[1] = channels;
        return new Tensor(shape, out);
    }

    /**
     * {@code torch.nn.functional.interpolate(x, size=(h, w))} in its default mode 'nearest': output pixel
     * (i, j) takes input pixel (floor(i * H / h), floor(j * W / w)) with the scale computed in float32 as
     * PyTorch's CPU kernel does.
     *
     * @param x (N, C, H, W)
     * @return (N, C, h, w)
     */
    public static Tensor interpolateNearest(Tensor x, int h, int w) {
        int[] s = x.shape();
        if (s[2] == h && s[3] == w) {
            return x;
        }
        int planes = s[0] * s[1];
        float scaleH = (float) s[2] / h;
        float scaleW = (float) s[3] / w;
        float[] out = new float[planes * h * w];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < h; i++) {
                int si = Math.min((int) Math.floor(i * scaleH), s[2] - 1);
                for (int j = 0; j < w; j++) {
                    int sj = Math.min((int) Math.floor(j * scaleW), s[3] - 1);
                    out[(p * h + i) * w + j] = x.data()[(p * s[2] + si) * s[3] + sj];
                }
            }
        }
        return new Tensor(new int[] {s[0], s[1], h, w}, out);
    }

    /** Adds a leading dimension of 1: (a, b, ...) to (1, a, b, ...). */
    public static Tensor unsqueeze0(Tensor t) {
        int[] s = t.shape();
        int[] u = new int[s.length + 1];
        u[0] = 1;
        System.arraycopy(s, 0, u, 1, s.length);
        return t.reshape(u);
    }
}
