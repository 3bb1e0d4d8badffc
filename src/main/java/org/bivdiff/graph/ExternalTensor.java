package org.bivdiff.graph;

import java.nio.file.Path;
import java.util.Arrays;

import org.bivdiff.io.DType;

/**
 * A weight as a graph initializer. Normally it stays in its file: ONNX external data pointing straight
 * into a safetensors or torch checkpoint. A weight that does not lie in its file as raw C-ordered bytes
 * (a torch tensor saved as a transposed or expanded view) is {@linkplain #inline materialised} instead
 * and stored inside the graph; such tensors are small in practice.
 *
 * @param key    the full state-dict key, used as the initializer's name
 * @param file   the file holding the raw little-endian bytes; null for an inline weight
 * @param offset absolute byte offset of the first element in {@code file} (0 for an inline weight)
 * @param length byte length
 * @param dtype  element type as stored
 * @param shape  dimensions
 * @param data   the little-endian, C-ordered bytes of an inline weight (not copied: do not modify);
 *               null for a weight in a file
 */
public record ExternalTensor(String key, Path file, long offset, long length, DType dtype, long[] shape, byte[] data) {

    public ExternalTensor {
        shape = shape.clone();
        if ((file == null) == (data == null)) {
            throw new IllegalArgumentException("weight '" + key + "' needs exactly one of a file and inline bytes");
        }
        file = file == null ? null : file.toAbsolutePath().normalize();
        if (data != null && (offset != 0 || length != data.length)) {
            throw new IllegalArgumentException("inline weight '" + key + "' has offset " + offset + " and length "
                    + length + " for " + data.length + " bytes");
        }
    }

    /** A weight at {@code [offset, offset + length)} of {@code file}. */
    public ExternalTensor(String key, Path file, long offset, long length, DType dtype, long[] shape) {
        this(key, file, offset, length, dtype, shape, null);
    }

    /** A weight whose bytes were materialised in memory, to be stored inside the graph. */
    public static ExternalTensor inline(String key, DType dtype, long[] shape, byte[] data) {
        return new ExternalTensor(key, null, 0, data.length, dtype, shape, data);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Rows {@code [from, to)} of the first dimension, a weight of its own named {@code key[from:to]} whose
     * bytes are the rows' bytes where they lie (an inline weight's are copied).
     */
    public ExternalTensor rows(long from, long to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from >= to) {
            throw new IllegalArgumentException("weight '" + key + "' " + Arrays.toString(shape) + " has no rows ["
                    + from + ", " + to + ")");
        }
        long rowBytes = length / shape[0];
        long[] part = shape.clone();
        part[0] = to - from;
        String name = key + "[" + from + ":" + to + "]";
        if (data != null) {
            return inline(name, dtype, part, Arrays.copyOfRange(data, Math.toIntExact(from * rowBytes),
                    Math.toIntExact(to * rowBytes)));
        }
        return new ExternalTensor(name, file, offset + from * rowBytes, (to - from) * rowBytes, dtype, part);
    }

    /** True for a materialised weight stored inside the graph. */
    public boolean isInline() {
        return data != null;
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
        return o instanceof ExternalTensor t && key.equals(t.key) && java.util.Objects.equals(file, t.file)
                && offset == t.offset && length == t.length && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return key + " " + dtype + Arrays.toString(shape) + (data == null ? " in " + file : " (inline)");
    }
}
