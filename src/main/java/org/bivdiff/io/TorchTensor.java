package org.bivdiff.io;

import java.util.Arrays;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a view of {@code shape} and
 * {@code stride} (in elements) starting {@code storageOffset} elements into a storage. The view was
 * checked to lie inside the storage when it was built.
 *
 * @param storage       the storage
 * @param storageOffset first element, in elements
 * @param shape         dimensions
 * @param stride        strides in elements, one per dimension (0 for an expanded dimension)
 */
record TorchTensor(TorchStorage storage, long storageOffset, long[] shape, long[] stride) {

    TorchTensor {
        shape = shape.clone();
        stride = stride.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long[] stride() {
        return stride.clone();
    }

    /** Number of elements (checked not to overflow when built). */
    long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * True if the elements lie in C order without gaps, so the bytes can be used where they are. As
     * torch's {@code is_contiguous}, dimensions of size 1 may have any stride.
     */
    boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1) {
                if (stride[i] != expected) {
                    return numel() == 0;
                }
                expected *= shape[i];
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchTensor t && storage == t.storage && storageOffset == t.storageOffset
                && Arrays.equals(shape, t.shape) && Arrays.equals(stride, t.stride);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + Long.hashCode(storageOffset);
    }

    @Override
    public String toString() {
        return "tensor " + Arrays.toString(shape) + " stride " + Arrays.toString(stride) + " at " + storageOffset
                + " of " + storage;
    }
}
