package org.bivdiff.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.bivdiff.io.pickle.PickleException;
import org.bivdiff.io.pickle.Py;
import org.bivdiff.io.pickle.PyDict;
import org.bivdiff.io.pickle.PyList;
import org.bivdiff.io.pickle.Unpickler;

/**
 * The two container formats of {@code torch.save}, read into the pickled object with its storages located.
 * <ul>
 * <li><b>zip</b> (torch 1.6 and later): records {@code <archive>/data.pkl} (the object),
 * {@code <archive>/data/<key>} (each storage's raw bytes), {@code <archive>/byteorder} ({@code little} or
 * {@code big}; little when absent) and {@code <archive>/version}; {@code <archive>} is the directory of
 * the first record, as torch's reader takes it;</li>
 * <li><b>legacy</b> (before 1.6, or {@code _use_new_zipfile_serialization=False}): five pickles in a row
 * (the magic number 0x1950a86a20f9469cfc6c, the protocol version 1001, a {@code sys_info} dict whose
 * {@code little_endian} gives the byte order, the object, and the list of storage keys in write order),
 * then each storage in that order as an 8-byte element count followed by its raw bytes
 * (torch/serialization.py {@code _legacy_save}).</li>
 * </ul>
 * The pre-0.4 tar format is refused by name.
 */
final class TorchFormats {

    /** The pickled object, and whether the storages are big-endian. */
    record Loaded(Object root, boolean bigEndian, TorchFile.Format format) {
    }

    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;

    private TorchFormats() {
    }

    /** Reads the file mapped as {@code file}, choosing the format by its first bytes. */
    static Loaded load(Path path, MemorySegment file) throws TorchFileException {
        long n = file.byteSize();
        if (n >= 4 && file.get(ValueLayout.JAVA_BYTE, 0) == 'P' && file.get(ValueLayout.JAVA_BYTE, 1) == 'K') {
            return zip(path, file);
        }
        if (n >= 262 && "ustar".equals(new String(file.asSlice(257, 5).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII))) {
            throw TorchFileException.ofFile(path, "a tar archive: the torch.save format of torch before 0.4 is not supported"
                    + " (load and re-save it with a current torch)");
        }
        return legacy(path, file);
    }

    // ---- zip

    private static Loaded zip(Path path, MemorySegment file) throws TorchFileException {
        ZipArchive zip = ZipArchive.read(path, file);
        if (zip.entries().isEmpty()) {
            throw TorchFileException.ofFile(path, "an empty zip archive, not a torch.save file");
        }
        String first = zip.entries().keySet().iterator().next();
        int slash = first.indexOf('/');
        if (slash <= 0) {
            throw TorchFileException.ofFile(path, "zip record '" + first + "' is not inside an archive folder,"
                    + " so this is not a torch.save file");
        }
        String prefix = first.substring(0, slash + 1);
        ZipArchive.Entry pkl = zip.entry(prefix + "data.pkl").orElseThrow(() -> TorchFileException.ofFile(path,
                "no record " + prefix + "data.pkl: a zip archive, but not a torch.save file"));
        boolean bigEndian = byteOrder(path, zip, prefix);
        TorchPickle.Storages storages = new TorchPickle.Storages() {
            private final Map<String, TorchStorage> byKey = new HashMap<>();

            @Override
            public TorchStorage storage(String key, DType dtype, String typeName, long numel) throws PickleException {
                String id = key + "/" + typeName;
                TorchStorage known = byKey.get(id);
                if (known != null) {
                    if (known.numel() != numel) {
                        throw new PickleException(known + " is referenced again with " + numel + " elements");
                    }
                    return known;
                }
                String record = prefix + "data/" + key;
                ZipArchive.Entry e = zip.entry(record).orElseThrow(() -> new PickleException("storage '" + key + "' ("
                        + typeName + ", " + numel + " elements): the archive has no record " + record));
                TorchStorage s = new TorchStorage(key, dtype, typeName, numel);
                if (dtype != null) {
                    if (e.size() != numel * dtype.byteSize()) {
                        throw new PickleException(s + " needs " + numel * dtype.byteSize() + " bytes but record "
                                + record + " holds " + e.size());
                    }
                    try {
                        zip.requireStored(e);
                    } catch (TorchFileException ex) {
                        throw new PickleException(ex.getMessage());
                    }
                    s.locate(e.dataOffset());
                }
                byKey.put(id, s);
                return s;
            }
        };
        MemorySegment pickle = zip.data(pkl);
        try {
            Object root = new TorchPickle(storages, 5, file.byteSize()).load(pickle, 0, pickle.byteSize()).value();
            return new Loaded(root, bigEndian, TorchFile.Format.ZIP);
        } catch (PickleException e) {
            throw TorchFileException.ofFile(path, "record " + pkl.name() + ": " + e.getMessage());
        }
    }

    private static boolean byteOrder(Path path, ZipArchive zip, String prefix) throws TorchFileException {
        var record = zip.entry(prefix + "byteorder");
        if (record.isEmpty()) {
            return false;
        }
        MemorySegment data = zip.data(record.get());
        if (data.byteSize() > 16) {
            throw TorchFileException.ofFile(path, "record " + prefix + "byteorder holds " + data.byteSize() + " bytes");
        }
        String order = new String(data.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
        return switch (order) {
            case "little" -> false;
            case "big" -> true;
            default -> throw TorchFileException.ofFile(path, "record " + prefix + "byteorder is '" + order
                    + "', expected 'little' or 'big'");
        };
    }

    // ---- legacy

    private static Loaded legacy(Path path, MemorySegment file) throws TorchFileException {
        Map<String, TorchStorage> byKey = new HashMap<>();
        TorchPickle.Storages storages = (key, dtype, typeName, numel) -> {
            TorchStorage known = byKey.get(key);
            if (known != null) {
                if (known.numel() != numel || !known.typeName().equals(typeName)) {
                    throw new PickleException(known + " is referenced again as " + typeName + " of " + numel + " elements");
                }
                return known;
            }
            TorchStorage s = new TorchStorage(key, dtype, typeName, numel);
            byKey.put(key, s);
            return s;
        };
        TorchPickle pickles = new TorchPickle(storages, 6, file.byteSize());
        long end = file.byteSize();
        Unpickler.Result magic;
        try {
            magic = pickles.load(file, 0, end);
        } catch (PickleException e) {
            throw notTorch(path, file);
        }
        if (!LEGACY_MAGIC.equals(magic.value())) {
            throw notTorch(path, file);
        }
        Unpickler.Result protocol = legacyPickle(path, pickles, file, magic.end(), "protocol version");
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol.value())) {
            throw TorchFileException.ofFile(path, "legacy torch.save protocol version " + Py.describe(protocol.value())
                    + " is not supported (expected " + LEGACY_PROTOCOL + ")");
        }
        Unpickler.Result sysInfo = legacyPickle(path, pickles, file, protocol.end(), "sys_info");
        boolean bigEndian = sysInfo.value() instanceof PyDict d && Boolean.FALSE.equals(d.get("little_endian"));
        Unpickler.Result object = legacyPickle(path, pickles, file, sysInfo.end(), "object");
        Unpickler.Result keys = legacyPickle(path, pickles, file, object.end(), "storage keys");
        locateLegacyStorages(path, file, keys, byKey, bigEndian);
        return new Loaded(object.value(), bigEndian, TorchFile.Format.LEGACY);
    }

    private static TorchFileException notTorch(Path path, MemorySegment file) {
        int n = (int) Math.min(8, file.byteSize());
        StringBuilder hex = new StringBuilder();
        for (byte b : file.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)) {
            hex.append(String.format("%02x", b & 0xff));
        }
        return TorchFileException.ofFile(path, "not a torch.save file: neither a zip archive nor a legacy stream"
                + " starting with torch's magic number (first bytes " + hex + ")");
    }

    private static Unpickler.Result legacyPickle(Path path, TorchPickle pickles, MemorySegment file, long start,
            String what) throws TorchFileException {
        try {
            return pickles.load(file, start, file.byteSize());
        } catch (PickleException e) {
            throw TorchFileException.ofFile(path, "legacy torch.save stream, " + what + " pickle at offset " + start
                    + ": " + e.getMessage());
        }
    }

    /** Walks the storages after the pickles: for each key in order, an 8-byte count, then the data. */
    private static void locateLegacyStorages(Path path, MemorySegment file, Unpickler.Result keys,
            Map<String, TorchStorage> byKey, boolean bigEndian) throws TorchFileException {
        if (!(keys.value() instanceof PyList list)) {
            throw TorchFileException.ofFile(path, "legacy torch.save stream: the storage key list is a "
                    + Py.typeName(keys.value()));
        }
        ValueLayout.OfLong count = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(bigEndian ? ByteOrder.BIG_ENDIAN
                : ByteOrder.LITTLE_ENDIAN);
        long pos = keys.end();
        Set<String> missing = new TreeSet<>(byKey.keySet());
        for (Object k : list.items()) {
            TorchStorage s = k instanceof String key ? byKey.get(key) : null;
            if (s == null) {
                throw TorchFileException.ofFile(path, "legacy torch.save stream: storage key " + Py.describe(k)
                        + " is listed but no tensor refers to it");
            }
            if (s.located()) {
                throw TorchFileException.ofFile(path, "legacy torch.save stream: " + s + " is listed twice");
            }
            if (s.dtype() == null) {
                throw TorchFileException.ofFile(path, "legacy torch.save stream: " + s
                        + " has a storage type this reader does not know, so the storages after it cannot be found");
            }
            if (pos > file.byteSize() - 8) {
                throw TorchFileException.ofFile(path, "truncated: " + s + " should start at offset " + pos + " of "
                        + file.byteSize());
            }
            long n = file.get(count, pos);
            if (n != s.numel()) {
                throw TorchFileException.ofFile(path, "legacy torch.save stream: " + s + " is stored with " + n
                        + " elements");
            }
            if (s.byteLength() > file.byteSize() - pos - 8) {
                throw TorchFileException.ofFile(path, "truncated: " + s + " needs " + s.byteLength() + " bytes at offset "
                        + (pos + 8) + ", the file has " + file.byteSize());
            }
            s.locate(pos + 8);
            pos += 8 + s.byteLength();
            missing.remove(s.key());
        }
        if (!missing.isEmpty()) {
            throw TorchFileException.ofFile(path, "legacy torch.save stream: storage(s) " + missing
                    + " are referred to but not listed");
        }
    }
}
