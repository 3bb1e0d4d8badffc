package org.bivdiff.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The records of a zip archive as {@code torch.save} writes them, read from a mapped file: the end of
 * central directory record (and its ZIP64 form for archives past 4 GB or 65,535 records), the central
 * directory, and each record's local header, which gives where its data starts. Records are located, not
 * read: {@link Entry#dataOffset()} is an absolute file offset.
 *
 * <p>Every count and offset is checked against the file length before use. CRCs are not verified (that
 * would read every byte of a multi-gigabyte checkpoint); compressed or encrypted records, spanned archives
 * and duplicate names are refused with a {@link TorchFileException} naming the file and record.
 */
final class ZipArchive {

    /**
     * One record.
     *
     * @param name       its name, e.g. {@code archive/data/0}
     * @param method     compression method (0 = stored)
     * @param flags      general-purpose flags (bit 0 = encrypted)
     * @param size       uncompressed size in bytes
     * @param dataOffset absolute offset of the first data byte
     */
    record Entry(String name, int method, int flags, long size, long dataOffset) {
    }

    private static final int EOCD = 0x06054b50;
    private static final int EOCD_SIZE = 22;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int CENTRAL_SIZE = 46;
    private static final int LOCAL = 0x04034b50;
    private static final int LOCAL_SIZE = 30;
    private static final long U32_MAX = 0xffffffffL;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment file;
    private final Map<String, Entry> entries;

    private ZipArchive(Path path, MemorySegment file, Map<String, Entry> entries) {
        this.path = path;
        this.file = file;
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** Reads the directory of the archive mapped as {@code file}. */
    static ZipArchive read(Path path, MemorySegment file) throws TorchFileException {
        return new Reader(path, file).read();
    }

    /** Every record, in central-directory order. */
    Map<String, Entry> entries() {
        return entries;
    }

    /** The record {@code name}, if present. */
    Optional<Entry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /**
     * The data of stored record {@code e}: a slice of the mapping.
     *
     * @throws TorchFileException if the record is compressed or encrypted
     */
    MemorySegment data(Entry e) throws TorchFileException {
        requireStored(e);
        return file.asSlice(e.dataOffset(), e.size());
    }

    /**
     * Checks that record {@code e} can be used where it lies.
     *
     * @throws TorchFileException if the record is compressed or encrypted
     */
    void requireStored(Entry e) throws TorchFileException {
        if ((e.flags() & 1) != 0) {
            throw TorchFileException.ofFile(path, "record " + e.name() + " is encrypted");
        }
        if (e.method() != 0) {
            throw TorchFileException.ofFile(path, "record " + e.name() + " is compressed (zip method " + e.method()
                    + "); torch.save stores records uncompressed, so they can be mapped: re-save the file with torch.save");
        }
    }

    /** Parsing state: the file and its length, and the bounds of the central directory. */
    private static final class Reader {
        private final Path path;
        private final MemorySegment file;
        private final long length;

        Reader(Path path, MemorySegment file) {
            this.path = path;
            this.file = file;
            this.length = file.byteSize();
        }

        ZipArchive read() throws TorchFileException {
            long eocd = findEndRecord();
            long count = u16(eocd + 10);
            long cdSize = u32(eocd + 12);
            long cdOffset = u32(eocd + 16);
            long directoryEnd = eocd;
            if (u16(eocd + 4) != 0 || u16(eocd + 6) != 0) {
                throw fail("a spanned (multi-disk) zip archive is not supported");
            }
            if (eocd >= 20 && i32(eocd - 20) == ZIP64_LOCATOR) {
                long z = i64(eocd - 20 + 8);
                if (z < 0 || z > eocd - 20 - 56 || i32(z) != ZIP64_EOCD) {
                    throw fail("the ZIP64 end record offset " + z + " does not point at a ZIP64 end record");
                }
                count = i64(z + 32);
                cdSize = i64(z + 40);
                cdOffset = i64(z + 48);
                directoryEnd = z;
            }
            if (cdOffset < 0 || cdSize < 0 || cdOffset > directoryEnd || cdSize > directoryEnd - cdOffset) {
                throw fail("central directory [" + cdOffset + ", +" + cdSize + ") lies outside the file's " + length
                        + " bytes before its end record");
            }
            if (count < 0 || count > cdSize / CENTRAL_SIZE) {
                throw fail(count + " records cannot fit in a central directory of " + cdSize + " bytes");
            }
            Map<String, Entry> entries = new LinkedHashMap<>();
            long p = cdOffset;
            for (long i = 0; i < count; i++) {
                p = centralEntry(p, cdOffset + cdSize, cdOffset, entries);
            }
            return new ZipArchive(path, file, entries);
        }

        /** The end of central directory record: the last signature whose comment runs to the end of the file. */
        private long findEndRecord() throws TorchFileException {
            if (length < EOCD_SIZE) {
                throw fail("not a zip archive: " + length + " bytes, fewer than an end-of-central-directory record");
            }
            long lowest = Math.max(0, length - EOCD_SIZE - 0xffff);
            for (long p = length - EOCD_SIZE; p >= lowest; p--) {
                if (i32(p) == EOCD && p + EOCD_SIZE + u16(p + 20) == length) {
                    return p;
                }
            }
            throw fail("not a complete zip archive: no end-of-central-directory record (truncated?)");
        }

        /** Parses the central directory header at {@code p}, adding its entry; returns the next header's offset. */
        private long centralEntry(long p, long cdEnd, long dataEnd, Map<String, Entry> entries)
                throws TorchFileException {
            if (p > cdEnd - CENTRAL_SIZE || i32(p) != CENTRAL) {
                throw fail("central directory header at offset " + p + " is missing or truncated");
            }
            int flags = u16(p + 8);
            int method = u16(p + 10);
            long size = u32(p + 24);
            long compressed = u32(p + 20);
            int nameLength = u16(p + 28);
            int extraLength = u16(p + 30);
            int commentLength = u16(p + 32);
            long local = u32(p + 42);
            long next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
            if (next > cdEnd) {
                throw fail("central directory header at offset " + p + " runs past the directory's end");
            }
            byte[] nameBytes = file.asSlice(p + CENTRAL_SIZE, nameLength).toArray(ValueLayout.JAVA_BYTE);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            long[] wide = zip64(p + CENTRAL_SIZE + nameLength, extraLength, name, size, compressed, local);
            size = wide[0];
            compressed = wide[1];
            local = wide[2];
            if (method == 0 && compressed != size) {
                throw fail("record " + name + " is stored with " + compressed + " compressed but " + size + " plain bytes");
            }
            long dataOffset = localData(local, nameBytes, name, dataEnd);
            if (compressed > dataEnd - dataOffset) {
                throw fail("record " + name + ": " + compressed + " bytes at offset " + dataOffset
                        + " run past the central directory at " + dataEnd);
            }
            if (entries.put(name, new Entry(name, method, flags, size, dataOffset)) != null) {
                throw fail("record " + name + " appears twice");
            }
            return next;
        }

        /** The sizes and local offset, taking the ZIP64 extra field's values where the 32-bit ones are 0xffffffff. */
        private long[] zip64(long extra, int extraLength, String name, long size, long compressed, long local)
                throws TorchFileException {
            long[] v = {size, compressed, local};
            if (size != U32_MAX && compressed != U32_MAX && local != U32_MAX) {
                return v;
            }
            long end = extra + extraLength;
            for (long q = extra; q + 4 <= end;) {
                int id = u16(q);
                int len = u16(q + 2);
                if (q + 4 + len > end) {
                    break;
                }
                if (id == 1) {
                    long r = q + 4;
                    for (int k = 0; k < 3; k++) {
                        if (v[k] == U32_MAX) {
                            if (r + 8 > q + 4 + len) {
                                throw fail("record " + name + ": its ZIP64 extra field is too short");
                            }
                            v[k] = i64(r);
                            r += 8;
                        }
                    }
                    if (v[0] < 0 || v[1] < 0 || v[2] < 0) {
                        throw fail("record " + name + ": ZIP64 sizes or offset past 2^63");
                    }
                    return v;
                }
                q += 4 + len;
            }
            throw fail("record " + name + " needs a ZIP64 extra field but has none");
        }

        /** The data offset of the record whose local header is at {@code local}, checking the header names it. */
        private long localData(long local, byte[] nameBytes, String name, long dataEnd) throws TorchFileException {
            if (local < 0 || local > dataEnd - LOCAL_SIZE || i32(local) != LOCAL) {
                throw fail("record " + name + ": no local header at offset " + local);
            }
            int nameLength = u16(local + 26);
            int extraLength = u16(local + 28);
            long data = local + LOCAL_SIZE + nameLength + extraLength;
            if (data > dataEnd) {
                throw fail("record " + name + ": its local header at offset " + local + " runs past the data area");
            }
            byte[] localName = file.asSlice(local + LOCAL_SIZE, nameLength).toArray(ValueLayout.JAVA_BYTE);
            if (!java.util.Arrays.equals(localName, nameBytes)) {
                throw fail("record " + name + ": its local header names '"
                        + new String(localName, StandardCharsets.UTF_8) + "'");
            }
            return data;
        }

        private TorchFileException fail(String problem) {
            return TorchFileException.ofFile(path, problem);
        }

        private int i32(long p) {
            return file.get(I32, p);
        }

        private long u32(long p) {
            return file.get(I32, p) & U32_MAX;
        }

        private int u16(long p) {
            return file.get(I16, p) & 0xffff;
        }

        private long i64(long p) {
            return file.get(I64, p);
        }
    }
}
