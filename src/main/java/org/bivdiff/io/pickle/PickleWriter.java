package org.bivdiff.io.pickle;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Emits pickle opcodes (protocol 2, as {@code torch.save} writes them) one call at a time: the building
 * blocks of a torch checkpoint's {@code data.pkl}, and of hand-made pickles in tests.
 */
public final class PickleWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** {@code PROTO 2}. */
    public PickleWriter proto() {
        out.write(0x80);
        out.write(2);
        return this;
    }

    /** {@code GLOBAL module name}. */
    public PickleWriter global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** {@code BINUNICODE}. */
    public PickleWriter string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(le(4).putInt(b.length).array());
        out.writeBytes(b);
        return this;
    }

    /** The shortest of {@code BININT1}, {@code BININT2}, {@code BININT} and {@code LONG1}. */
    public PickleWriter integer(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v < 65536) {
            out.write('M');
            out.writeBytes(le(2).putShort((short) v).array());
        } else if (v == (int) v) {
            out.write('J');
            out.writeBytes(le(4).putInt((int) v).array());
        } else {
            byte[] be = BigInteger.valueOf(v).toByteArray();
            out.write(0x8a);
            out.write(be.length);
            for (int i = be.length - 1; i >= 0; i--) {
                out.write(be[i]);
            }
        }
        return this;
    }

    /** {@code BINFLOAT} (big-endian, as pickle stores it). */
    public PickleWriter floating(double v) {
        out.write('G');
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(v).array());
        return this;
    }

    /** {@code NEWTRUE} / {@code NEWFALSE}. */
    public PickleWriter bool(boolean v) {
        out.write(v ? 0x88 : 0x89);
        return this;
    }

    /** Any opcode without an argument, e.g. {@code '('} (MARK), {@code 't'} (TUPLE), {@code 'R'} (REDUCE). */
    public PickleWriter op(char opcode) {
        out.write(opcode);
        return this;
    }

    /** Any opcode byte without an argument, e.g. {@code 0x86} (TUPLE2). */
    public PickleWriter op(int opcode) {
        out.write(opcode);
        return this;
    }

    /** Raw bytes (for hand-made malformed pickles). */
    public PickleWriter raw(byte... bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** The pickle so far. */
    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
