package org.bivdiff.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then
 * the raw little-endian tensor data. The whole file is mapped (files past 2 GB work) and tensors are
 * converted on demand.
 *
 * <p>Opening validates as strictly as the format's specification (huggingface/safetensors) and rejects, with a
 * {@link SafeTensorsException}: a file shorter than 8 bytes; a header length of 0, above 100,000,000, or past
 * the end of the file; a header that does not begin with {@code '{'}, is padded with anything but spaces, is
 * not UTF-8, not JSON, not an object, or has duplicate keys; a {@code __metadata__} that is not a map of
 * strings; an entry without exactly the fields {@code dtype} (a known {@link DType}), {@code shape} (at
 * most 8 integers in [0, 2^40]) and {@code data_offsets} ({@code [begin, end]} with
 * {@code 0 <= begin <= end <=} data section size); an entry whose byte range does not match its shape;
 * and a data section that is not indexed entirely: two tensors whose byte ranges overlap, a hole between
 * two tensors, or bytes after the last one.
 *
 * <p>Reads may come from several threads. After {@link #close()}, segments handed out become invalid.
 */
public final class SafeTensorsFile implements WeightsFile {

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafeTensorsFile(Path path, Arena arena, MemorySegment file, SafeTensorsHeader.Parsed header) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.dataStart = 8 + header.headerLength();
        this.metadata = header.metadata();
        this.tensors = header.tensors();
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            m.put(t.name(), t);
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    /**
     * Maps and validates the file at {@code path}.
     *
     * @throws SafeTensorsException if the file is malformed (see the class comment)
     * @throws IOException          if the file cannot be opened or mapped
     */
    public static SafeTensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw SafeTensorsException.ofFile(path, "file has " + size
                        + " bytes, fewer than the 8-byte header length prefix");
            }
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asReadOnly();
            return new SafeTensorsFile(path, arena, file, SafeTensorsHeader.parse(path, file));
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public Path path() {
        return path;
    }

    /** The {@code __metadata__} entries (empty when absent), unmodifiable. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, sorted by begin offset, unmodifiable. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** The entry named {@code name}, if any. */
    @Override
    public Optional<TensorInfo> info(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The tensor names, in begin-offset order, unmodifiable. */
    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    /** Absolute file offset of the data section: 8 + the header length. */
    public long dataStart() {
        return dataStart;
    }

    /** Absolute file offset of {@code t}'s first byte (where ONNX external data points). */
    public long absoluteOffset(TensorInfo t) {
        return dataStart + t.begin();
    }

    /**
     * The raw little-endian bytes of tensor {@code name}: a read-only slice of the mapping, valid until
     * {@link #close()}.
     */
    @Override
    public MemorySegment segment(String name) throws SafeTensorsException {
        return slice(require(name));
    }

    /** Where tensor {@code name}'s bytes lie: always in the file, at {@link #absoluteOffset}. */
    @Override
    public TensorLocation locate(String name) throws SafeTensorsException {
        TensorInfo t = require(name);
        return new TensorLocation.InFile(path, absoluteOffset(t), t.byteLength());
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafeTensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }

    private TensorInfo require(String name) throws SafeTensorsException {
        TensorInfo t = byName.get(name);
        if (t == null) {
            throw SafeTensorsException.ofTensor(path, name, "no such tensor (the file holds "
                    + tensors.size() + " tensors)");
        }
        return t;
    }

    private MemorySegment slice(TensorInfo t) {
        return file.asSlice(dataStart + t.begin(), t.byteLength());
    }
}
