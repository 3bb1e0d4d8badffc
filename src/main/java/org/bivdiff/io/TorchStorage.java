package org.bivdiff.io;

/**
 * A storage a torch pickle refers to by persistent id: its key, element type and element count, and,
 * once the container format has located it, the absolute file offset of its first byte. A storage of a
 * type outside the allow-list has no {@link #dtype()}; it is an error only if a tensor needs it.
 */
final class TorchStorage {

    private final String key;
    private final DType dtype;
    private final String typeName;
    private final long numel;
    private long offset = -1;

    TorchStorage(String key, DType dtype, String typeName, long numel) {
        this.key = key;
        this.dtype = dtype;
        this.typeName = typeName;
        this.numel = numel;
    }

    /** The storage's key (zip: the record {@code data/<key>}; legacy: an opaque address). */
    String key() {
        return key;
    }

    /** The element type, or null for a storage type not on the allow-list. */
    DType dtype() {
        return dtype;
    }

    /** The pickled storage class, e.g. {@code torch.FloatStorage}. */
    String typeName() {
        return typeName;
    }

    /** Number of elements. */
    long numel() {
        return numel;
    }

    /** Bytes the storage occupies (its dtype must be known). */
    long byteLength() {
        return numel * dtype.byteSize();
    }

    boolean located() {
        return offset >= 0;
    }

    /** Absolute offset of the first byte in the file. */
    long offset() {
        if (offset < 0) {
            throw new IllegalStateException("storage '" + key + "' has not been located");
        }
        return offset;
    }

    void locate(long absoluteOffset) {
        this.offset = absoluteOffset;
    }

    @Override
    public String toString() {
        return "storage '" + key + "' (" + typeName + ", " + numel + " elements)";
    }
}
