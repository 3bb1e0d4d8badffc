package org.bivdiff.io.pickle;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** A bounded cursor over a pickle's bytes: every read checks what is left first. */
final class PickleInput {

    /** Longest byte string read into one array. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_BE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final MemorySegment data;
    private final long start;
    private final long end;
    private long pos;

    PickleInput(MemorySegment data, long start, long end) {
        this.data = data;
        this.start = start;
        this.end = end;
        this.pos = start;
    }

    /** Absolute position in the segment. */
    long position() {
        return pos;
    }

    /** Position relative to the pickle's first byte. */
    long offset() {
        return pos - start;
    }

    long remaining() {
        return end - pos;
    }

    private void need(long n) throws PickleException {
        if (n > remaining()) {
            throw new PickleException("truncated: needs " + n + " bytes, " + remaining() + " left");
        }
    }

    int u8() throws PickleException {
        need(1);
        return data.get(ValueLayout.JAVA_BYTE, pos++) & 0xff;
    }

    int u16() throws PickleException {
        need(2);
        int v = data.get(I16, pos) & 0xffff;
        pos += 2;
        return v;
    }

    int i32() throws PickleException {
        need(4);
        int v = data.get(I32, pos);
        pos += 4;
        return v;
    }

    long i64() throws PickleException {
        need(8);
        long v = data.get(I64, pos);
        pos += 8;
        return v;
    }

    double f64be() throws PickleException {
        need(8);
        double v = data.get(F64_BE, pos);
        pos += 8;
        return v;
    }

    /** Checks a length argument of {@code op} against what is left, returning it. */
    long lengthField(long n, String op) throws PickleException {
        if (n < 0) {
            throw new PickleException(op + " length " + (n < 0 && op.endsWith("8") ? Long.toUnsignedString(n) : n)
                    + " is negative or too large");
        }
        if (n > remaining()) {
            throw new PickleException(op + " length " + n + " exceeds the " + remaining() + " bytes left");
        }
        return n;
    }

    byte[] bytes(long n) throws PickleException {
        need(n);
        if (n > MAX_ARRAY) {
            throw new PickleException("a string of " + n + " bytes is larger than one array holds");
        }
        byte[] b = data.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
        pos += n;
        return b;
    }

    /** {@code n} bytes decoded as strict UTF-8. */
    String utf8(long n) throws PickleException {
        return decodeUtf8(bytes(n));
    }

    /** The bytes up to the next newline (excluded), moving past it. */
    byte[] line() throws PickleException {
        long nl = -1;
        for (long p = pos; p < end; p++) {
            if (data.get(ValueLayout.JAVA_BYTE, p) == '\n') {
                nl = p;
                break;
            }
        }
        if (nl < 0) {
            throw new PickleException("truncated: a text argument has no terminating newline");
        }
        byte[] b = bytes(nl - pos);
        pos++;
        return b;
    }

    static String decodeUtf8(byte[] b) throws PickleException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new PickleException("a string of " + b.length + " bytes is not valid UTF-8");
        }
    }
}
