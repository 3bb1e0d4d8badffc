package org.bivdiff.graph;

import java.nio.file.Path;
import java.util.Arrays;

import org.bivdiff.io.DType;

/**
 * A weight that stays in its file: ONNX external data pointing straight into a safetensors file.
 *
 * @param key    the full state-dict key, used as the initializer's name
 * @param file   the file holding the raw little-endian bytes
 * @param offset absolute byte offset of the first element in {@code file}
 * @param length byte length
 * @param dtype  element type as stored
 * @param shape  dimensions
 */
public record ExternalTensor(String key, Path file, long offset, long length, DType dtype, long[] shape) {

    public ExternalTensor {
        shape = shape.clone();
        file = file.toAbsolutePath().normalize();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExternalTensor t && key.equals(t.key) && file.equals(t.file) && offset == t.offset
                && length == t.length && dtype == t.dtype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return key + " " + dtype + Arrays.toString(shape) + " in " + file;
    }
}
