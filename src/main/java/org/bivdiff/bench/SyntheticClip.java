package org.bivdiff.bench;

import org.bivdiff.tensor.Tensor;

/** A source clip for pipeline benchmarks: a bright square moving right over a gradient, so Canny finds edges. */
final class SyntheticClip {

    private SyntheticClip() {
    }

    /** @return (frames, 3, side, side) in [-1, 1] */
    static Tensor movingSquare(int frames, int side) {
        int plane = side * side;
        float[] px = new float[frames * 3 * plane];
        int square = side / 4;
        for (int f = 0; f < frames; f++) {
            int left = f * (side - square) / Math.max(1, frames - 1);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    boolean in = x >= left && x < left + square && y >= side / 3 && y < side / 3 + square;
                    float gradient = -0.6f + 0.8f * x / side;
                    int i = f * 3 * plane + y * side + x;
                    px[i] = in ? 0.9f : gradient;                       // R
                    px[i + plane] = in ? -0.8f : gradient * 0.5f;       // G
                    px[i + 2 * plane] = in ? -0.8f : -0.3f;             // B
                }
            }
        }
        return Tensor.of(px, frames, 3, side, side);
    }
}
