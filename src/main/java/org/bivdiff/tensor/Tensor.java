package org.bivdiff.tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A host tensor of 32-bit floats in C order: what goes into and comes out of a network, and what
 * schedulers and pipelines compute on. Images are NCHW, videos NCFHW.
 *
 * <p>Immutable by convention: operations return new tensors; {@link #data()} exposes the backing
 * array without copying for speed, and callers must not modify it unless they created it.
 */
public record Tensor(int[] shape, float[] data) {

    public Tensor {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but the data has " + data.length);
        }
    }

    /** A tensor of zeros. */
    public static Tensor zeros(int... shape) {
        return new Tensor(shape, new float[checkedNumel(shape)]);
    }

    /** A tensor filled with {@code value}. */
    public static Tensor full(float value, int... shape) {
        float[] d = new float[checkedNumel(shape)];
        Arrays.fill(d, value);
        return new Tensor(shape, d);
    }

    /** A tensor over {@code data} (not copied). */
    public static Tensor of(float[] data, int... shape) {
        return new Tensor(shape, data);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end. */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return data.length;
    }

    /** The shape as ONNX Runtime wants it. */
    public long[] longShape() {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape[i];
        }
        return s;
    }

    /** The same data viewed with another shape of equal element count. */
    public Tensor reshape(int... newShape) {
        return new Tensor(newShape, data);
    }

    /** Rows {@code [from, to)} of dimension 0. */
    public Tensor slice0(int from, int to) {
        if (from < 0 || to > shape[0] || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of dimension 0 of size " + shape[0]);
        }
        int row = data.length / Math.max(1, shape[0]);
        int[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(s, Arrays.copyOfRange(data, from * row, to * row));
    }

    /** Concatenation along dimension 0; all other dimensions must agree. */
    public static Tensor concat0(List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        int[] first = parts.getFirst().shape;
        int rows = 0;
        int total = 0;
        for (Tensor t : parts) {
            if (t.shape.length != first.length
                    || !Arrays.equals(t.shape, 1, t.shape.length, first, 1, first.length)) {
                throw new IllegalArgumentException("cannot concatenate " + Arrays.toString(t.shape)
                        + " with " + Arrays.toString(first) + " along dimension 0");
            }
            rows += t.shape[0];
            total += t.data.length;
        }
        float[] d = new float[total];
        int at = 0;
        for (Tensor t : parts) {
            System.arraycopy(t.data, 0, d, at, t.data.length);
            at += t.data.length;
        }
        int[] s = first.clone();
        s[0] = rows;
        return new Tensor(s, d);
    }

    /** Element count of {@code shape}. */
    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    private static int checkedNumel(int[] shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + Arrays.toString(shape) + " is too large for one host array");
        }
        return (int) n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
