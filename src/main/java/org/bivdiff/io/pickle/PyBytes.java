package org.bivdiff.io.pickle;

import java.util.Arrays;

/**
 * A Python {@code bytes} (or {@code bytearray}) value.
 *
 * @param bytes the content
 */
public record PyBytes(byte[] bytes) {

    public PyBytes {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PyBytes b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return Py.describe(this);
    }
}
