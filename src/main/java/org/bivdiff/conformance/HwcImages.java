package org.bivdiff.conformance;

import java.util.ArrayList;
import java.util.List;

import org.bivdiff.media.Image8;
import org.bivdiff.tensor.Tensor;

/** 8-bit images as the fixtures store them: HWC uint8 values in float32 tensors, {@code (N, H, W, C)}. */
final class HwcImages {

    private HwcImages() {
    }

    /** {@code (N, H, W, C)} uint8 values stored as floats, as images. */
    static List<Image8> images(Tensor t) {
        int n = t.dim(0);
        int h = t.dim(1);
        int w = t.dim(2);
        int c = t.dim(3);
        int size = h * w * c;
        List<Image8> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] px = new byte[size];
            for (int j = 0; j < size; j++) {
                float v = t.data()[i * size + j];
                if (v < 0 || v > 255 || v != Math.rint(v)) {
                    throw new IllegalArgumentException("not a uint8 value at image " + i + ", element " + j + ": " + v);
                }
                px[j] = (byte) (int) v;
            }
            out.add(new Image8(h, w, c, px));
        }
        return out;
    }

    /** Images stacked as {@code (N, H, W, C)}, or {@code (N, H, W)} when {@code keepChannels} is false. */
    static Tensor stack(List<Image8> images, boolean keepChannels) {
        Image8 first = images.getFirst();
        int size = first.pixels().length;
        float[] out = new float[images.size() * size];
        for (int i = 0; i < images.size(); i++) {
            byte[] px = images.get(i).pixels();
            for (int j = 0; j < size; j++) {
                out[i * size + j] = px[j] & 0xFF;
            }
        }
        return keepChannels
                ? Tensor.of(out, images.size(), first.height(), first.width(), first.channels())
                : Tensor.of(out, images.size(), first.height(), first.width());
    }
}
