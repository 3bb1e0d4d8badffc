package org.bivdiff.io;

import java.nio.file.Path;

/**
 * Where the raw little-endian, C-ordered bytes of a tensor are: in its file, where a graph can point to
 * them as external data without copying (safetensors tensors, and contiguous tensors of a torch file),
 * or materialised in memory (a torch tensor stored as a non-contiguous or stride-0 view, or stored
 * big-endian).
 */
public sealed interface TensorLocation {

    /** The number of bytes. */
    long length();

    /**
     * Bytes {@code [offset, offset + length)} of {@code file}.
     *
     * @param file   the file
     * @param offset absolute offset of the first byte
     * @param length byte length
     */
    record InFile(Path file, long offset, long length) implements TensorLocation {
    }

    /**
     * Bytes gathered into memory. The array is not copied: do not modify it.
     *
     * @param bytes the little-endian, C-ordered elements
     */
    record InMemory(byte[] bytes) implements TensorLocation {

        @Override
        public long length() {
            return bytes.length;
        }

        @Override
        public String toString() {
            return "InMemory[" + bytes.length + " bytes]";
        }
    }
}
