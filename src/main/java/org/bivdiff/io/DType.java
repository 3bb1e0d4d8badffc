package org.bivdiff.io;

import java.util.Locale;

/** Element types of the safetensors format, spelled as in its header. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types. */
    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /**
     * The type spelled {@code name} in a safetensors header.
     *
     * @throws IllegalArgumentException naming the unknown spelling
     */
    public static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "' (known: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)"
                + (name.toUpperCase(Locale.ROOT).equals(name) ? "" : "; dtypes are upper case"));
    }
}
