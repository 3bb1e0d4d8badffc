package org.bivdiff.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Converts little-endian element bytes of each {@link DType} to and from Java arrays. */
final class ElementCodec {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    private ElementCodec() {
    }

    /** The {@code n} elements of {@code src} as floats; integers convert as {@code (float)} does. */
    static float[] toFloats(MemorySegment src, DType dtype, int n) {
        float[] out = new float[n];
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, F32, 0, out, 0, n);
            case F64 -> {
                double[] d = new double[n];
                MemorySegment.copy(src, F64, 0, d, 0, n);
                for (int i = 0; i < n; i++) {
                    out[i] = (float) d[i];
                }
            }
            case F16 -> {
                short[] h = shorts(src, n);
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(h[i]);
                }
            }
            case BF16 -> {
                short[] h = shorts(src, n);
                for (int i = 0; i < n; i++) {
                    out[i] = bf16ToFloat(h[i]);
                }
            }
            default -> {
                long[] l = toLongs(src, dtype, n);
                for (int i = 0; i < n; i++) {
                    out[i] = l[i];
                }
            }
        }
        return out;
    }

    /** The {@code n} elements of integer type {@code dtype} in {@code src}; U8 is unsigned, BOOL is 0 or 1. */
    static long[] toLongs(MemorySegment src, DType dtype, int n) {
        long[] out = new long[n];
        switch (dtype) {
            case I64 -> MemorySegment.copy(src, I64, 0, out, 0, n);
            case I32 -> {
                int[] v = new int[n];
                MemorySegment.copy(src, I32, 0, v, 0, n);
                for (int i = 0; i < n; i++) {
                    out[i] = v[i];
                }
            }
            case I16 -> {
                short[] v = shorts(src, n);
                for (int i = 0; i < n; i++) {
                    out[i] = v[i];
                }
            }
            case I8 -> {
                byte[] v = bytes(src, n);
                for (int i = 0; i < n; i++) {
                    out[i] = v[i];
                }
            }
            case U8 -> {
                byte[] v = bytes(src, n);
                for (int i = 0; i < n; i++) {
                    out[i] = v[i] & 0xff;
                }
            }
            case BOOL -> {
                byte[] v = bytes(src, n);
                for (int i = 0; i < n; i++) {
                    out[i] = v[i] == 0 ? 0 : 1;
                }
            }
            default -> throw new IllegalArgumentException(dtype + " is not an integer type");
        }
        return out;
    }

    /** A bfloat16 bit pattern as a float: the top half of a float32. */
    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /**
     * A float rounded to bfloat16, to nearest with ties to even, as torch does; NaN stays a quiet NaN.
     */
    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    private static byte[] bytes(MemorySegment src, int n) {
        return src.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    private static short[] shorts(MemorySegment src, int n) {
        short[] h = new short[n];
        MemorySegment.copy(src, I16, 0, h, 0, n);
        return h;
    }
}
