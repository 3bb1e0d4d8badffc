package org.bivdiff.tensor;

import java.util.Arrays;

/** A host tensor of 64-bit integers in C order, for token ids and other integer network inputs. */
public record LongTensor(int[] shape, long[] data) {

    public LongTensor {
        shape = shape.clone();
        if (Tensor.numel(shape) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + Tensor.numel(shape)
                    + " elements but the data has " + data.length);
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LongTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "LongTensor" + Arrays.toString(shape);
    }
}
