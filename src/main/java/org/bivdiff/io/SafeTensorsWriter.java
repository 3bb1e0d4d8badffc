package org.bivdiff.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bivdiff.tensor.Tensor;

/**
 * Writes safetensors files. Tensors are laid out back to back in the given order; the JSON header is
 * padded with spaces to a multiple of 8 bytes, as the reference implementation (huggingface/safetensors)
 * does. The file is written to a temporary file in the same folder and then moved into place atomically,
 * so readers never see a half-written file; it gets the mode the user's umask gives, like any new file.
 */
public final class SafeTensorsWriter {

    private SafeTensorsWriter() {
    }

    /**
     * One tensor to write.
     *
     * @param name  tensor name, not {@code __metadata__}
     * @param dtype element type
     * @param shape dimensions, C order (copied)
     * @param data  little-endian element bytes, exactly numel * dtype size long (not copied)
     */
    public record Entry(String name, DType dtype, long[] shape, byte[] data) {

        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(data, "data");
            shape = shape.clone();
            if (name.equals(SafeTensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + SafeTensorsHeader.METADATA_KEY);
            }
            long n = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor '" + name + "': negative dimension in "
                            + Arrays.toString(shape));
                }
                n = Math.multiplyExact(n, d);
            }
            if (n * dtype.byteSize() != data.length) {
                throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " " + Arrays.toString(shape)
                        + " needs " + n * dtype.byteSize() + " bytes but the data has " + data.length);
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** An F32 entry from floats. */
        public static Entry f32(String name, long[] shape, float[] values) {
            return new Entry(name, DType.F32, shape, encodeF32(values));
        }

        /** An F16 entry from floats, rounded to nearest even. */
        public static Entry f16(String name, long[] shape, float[] values) {
            return new Entry(name, DType.F16, shape, encodeF16(values));
        }

        /** A BF16 entry from floats, rounded to nearest even. */
        public static Entry bf16(String name, long[] shape, float[] values) {
            return new Entry(name, DType.BF16, shape, encodeBF16(values));
        }

        /** An I64 entry from longs. */
        public static Entry i64(String name, long[] shape, long[] values) {
            return new Entry(name, DType.I64, shape, encodeI64(values));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && dtype == e.dtype
                    && Arrays.equals(shape, e.shape) && Arrays.equals(data, e.data);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return "Entry[" + name + " " + dtype + Arrays.toString(shape) + "]";
        }
    }

    /**
     * Writes {@code tensors} as F32, in the map's iteration order, with {@code metadata} as
     * {@code __metadata__} (omitted when empty).
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        List<Entry> entries = new ArrayList<>(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            entries.add(Entry.f32(e.getKey(), t.longShape(), t.data()));
        }
        write(path, entries, metadata);
    }

    /**
     * Writes {@code entries} in list order, with {@code metadata} as {@code __metadata__} (omitted when
     * empty).
     *
     * @throws IllegalArgumentException if two entries share a name
     */
    public static void write(Path path, List<Entry> entries, Map<String, String> metadata) throws IOException {
        List<Spec> specs = entries.stream().map(e -> new Spec(e.name(), e.dtype(), e.shape())).toList();
        var data = entries.iterator();   // stream() asks for the tensors in list order
        stream(path, specs, metadata, spec -> data.next().data());
    }

    /**
     * The name, type and shape of a tensor whose bytes are produced only when written.
     *
     * @param name  tensor name
     * @param dtype element type
     * @param shape dimensions, C order
     */
    public record Spec(String name, DType dtype, long[] shape) {

        public Spec {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Bytes of the tensor. */
        public long byteLength() {
            long n = dtype.byteSize();
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Spec s && name.equals(s.name) && dtype == s.dtype && Arrays.equals(shape, s.shape);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }
    }

    /** Produces the little-endian bytes of one tensor when it is written. */
    @FunctionalInterface
    public interface DataSource {
        byte[] bytes(Spec spec) throws IOException;
    }

    /**
     * Writes tensors one at a time, asking {@code source} for each one's bytes just before writing
     * it, so a file far larger than memory can be written (random full-size checkpoints).
     */
    public static void stream(Path path, List<Spec> specs, Map<String, String> metadata, DataSource source)
            throws IOException {
        byte[] header = header(specs, metadata);
        Path target = path.toAbsolutePath();
        Path tmp = FileTrees.partialSibling(target);
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), 1 << 16)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
                out.write(header);
                for (Spec s : specs) {
                    byte[] data = source.bytes(s);
                    if (data.length != s.byteLength()) {
                        throw new IllegalArgumentException("tensor '" + s.name() + "': " + s.dtype() + " "
                                + Arrays.toString(s.shape()) + " needs " + s.byteLength() + " bytes, got " + data.length);
                    }
                    out.write(data);
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@code values} as little-endian float32 bytes. */
    public static byte[] encodeF32(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    /** {@code values} rounded to IEEE half precision (nearest even), as little-endian bytes. */
    public static byte[] encodeF16(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 2)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Float.floatToFloat16(v));
        }
        return b.array();
    }

    /** {@code values} rounded to bfloat16 (nearest even, as torch does), as little-endian bytes. */
    public static byte[] encodeBF16(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 2)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(ElementCodec.floatToBf16(v));
        }
        return b.array();
    }

    /** {@code values} as little-endian int64 bytes. */
    public static byte[] encodeI64(long[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return b.array();
    }

    /** The JSON header, metadata first, padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(List<Spec> entries, Map<String, String> metadata) throws IOException {
        ObjectNode root = Json.STRICT.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafeTensorsHeader.METADATA_KEY);
            metadata.forEach(m::put);
        }
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (Spec e : entries) {
            if (!seen.add(e.name())) {
                throw new IllegalArgumentException("tensor '" + e.name() + "' appears twice");
            }
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.byteLength());
            offset += e.byteLength();
        }
        byte[] json = Json.STRICT.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }
}
