package org.bivdiff.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a zip archive of stored (uncompressed) records as {@code torch.save} does: each record's data
 * starts at a multiple of 64 bytes (the local header is padded with an extra field), and ZIP64 records
 * are used where a size, an offset or the record count needs them. Data can be streamed: the CRC is
 * patched into the local header after the data is written.
 */
final class ZipWriter implements AutoCloseable {

    /** Receives a record's data in pieces. */
    @FunctionalInterface
    interface Sink {
        void write(byte[] bytes) throws IOException;
    }

    /** Produces a record's data. */
    @FunctionalInterface
    interface Source {
        void writeTo(Sink sink) throws IOException;
    }

    private record Written(byte[] name, long size, long crc, long localOffset) {
    }

    private static final int ALIGNMENT = 64;
    private static final long U32_MAX = 0xffffffffL;
    private static final int PADDING_ID = 0x4246;

    private final FileChannel out;
    private final boolean forceZip64;
    private final List<Written> records = new ArrayList<>();
    private long pos;

    ZipWriter(Path path) throws IOException {
        this(path, false);
    }

    /** With {@code forceZip64}, every record and the end use the ZIP64 forms, as archives past 4 GB do. */
    ZipWriter(Path path, boolean forceZip64) throws IOException {
        this.forceZip64 = forceZip64;
        out = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Adds record {@code name} holding {@code data}. */
    void add(String name, byte[] data) throws IOException {
        add(name, data.length, sink -> sink.write(data));
    }

    /** Adds record {@code name} of {@code size} bytes, which {@code source} writes. */
    void add(String name, long size, Source source) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        boolean zip64 = forceZip64 || size >= U32_MAX;
        int fixed = 30 + nameBytes.length + (zip64 ? 20 : 0);
        int pad = (int) ((ALIGNMENT - (pos + fixed + 4) % ALIGNMENT) % ALIGNMENT);
        ByteBuffer h = le(fixed + 4 + pad);
        h.putInt(0x04034b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putInt(0)
                .putInt((int) (zip64 ? U32_MAX : size)).putInt((int) (zip64 ? U32_MAX : size))
                .putShort((short) nameBytes.length).putShort((short) (fixed - 30 - nameBytes.length + 4 + pad))
                .put(nameBytes);
        if (zip64) {
            h.putShort((short) 1).putShort((short) 16).putLong(size).putLong(size);
        }
        h.putShort((short) PADDING_ID).putShort((short) pad).put(new byte[pad]);
        long local = pos;
        write(h);
        CRC32 crc = new CRC32();
        long[] written = {0};
        source.writeTo(bytes -> {
            crc.update(bytes);
            written[0] += bytes.length;
            write(ByteBuffer.wrap(bytes));
        });
        if (written[0] != size) {
            throw new IllegalArgumentException("record " + name + ": declared " + size + " bytes, got " + written[0]);
        }
        ByteBuffer c = le(4).putInt((int) crc.getValue());
        out.write(c.flip(), local + 14);
        records.add(new Written(nameBytes, size, crc.getValue(), local));
    }

    /** Writes the central directory and the end records. */
    @Override
    public void close() throws IOException {
        try {
            long cdStart = pos;
            for (Written r : records) {
                write(central(r));
            }
            long cdSize = pos - cdStart;
            boolean zip64 = forceZip64 || records.size() >= 0xffff || cdStart >= U32_MAX || cdSize >= U32_MAX;
            if (zip64) {
                long z = pos;
                write(le(56).putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                        .putLong(records.size()).putLong(records.size()).putLong(cdSize).putLong(cdStart));
                write(le(20).putInt(0x07064b50).putInt(0).putLong(z).putInt(1));
            }
            write(le(22).putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                    .putShort((short) Math.min(records.size(), 0xffff)).putShort((short) Math.min(records.size(), 0xffff))
                    .putInt((int) Math.min(cdSize, U32_MAX)).putInt((int) Math.min(cdStart, U32_MAX)).putShort((short) 0));
        } finally {
            out.close();
        }
    }

    private ByteBuffer central(Written r) {
        boolean bigSize = forceZip64 || r.size() >= U32_MAX;
        boolean bigOffset = forceZip64 || r.localOffset() >= U32_MAX;
        int extra = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
        ByteBuffer b = le(46 + r.name().length + extra);
        b.putInt(0x02014b50).putShort((short) 45).putShort((short) (extra > 0 ? 45 : 20)).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt((int) r.crc())
                .putInt((int) (bigSize ? U32_MAX : r.size())).putInt((int) (bigSize ? U32_MAX : r.size()))
                .putShort((short) r.name().length).putShort((short) extra).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putInt(0).putInt((int) (bigOffset ? U32_MAX : r.localOffset())).put(r.name());
        if (extra > 0) {
            b.putShort((short) 1).putShort((short) (extra - 4));
            if (bigSize) {
                b.putLong(r.size()).putLong(r.size());
            }
            if (bigOffset) {
                b.putLong(r.localOffset());
            }
        }
        return b;
    }

    private void write(ByteBuffer b) throws IOException {
        if (b.position() > 0) {
            b.flip();
        }
        while (b.hasRemaining()) {
            pos += out.write(b, pos);
        }
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
