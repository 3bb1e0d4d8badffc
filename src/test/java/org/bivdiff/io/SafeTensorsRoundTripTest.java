package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.bivdiff.io.SafeTensorsWriter.Entry;
import org.bivdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsRoundTripTest {

    @TempDir
    Path dir;

    private static byte[] le(int bytesPerElement, int n, BiConsumer<ByteBuffer, Integer> put) {
        ByteBuffer b = ByteBuffer.allocate(bytesPerElement * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            put.accept(b, i);
        }
        return b.array();
    }

    @Test
    void everyDTypeRoundTrips() throws IOException {
        long[] shape = {2, 3};
        List<Entry> entries = List.of(
                new Entry("f64", DType.F64, shape, le(8, 6, (b, i) -> b.putDouble(i * 0.5 - 1))),
                Entry.f32("f32", shape, new float[] {-1.5f, 0, 1, 2.25f, 1e-30f, 3e38f}),
                Entry.f16("f16", shape, new float[] {-2, -0.5f, 0, 0.25f, 1, 65504}),
                Entry.bf16("bf16", shape, new float[] {-2, -0.5f, 0, 0.25f, 1, 3e38f}),
                Entry.i64("i64", shape, new long[] {Long.MIN_VALUE, -1, 0, 1, 1L << 40, Long.MAX_VALUE}),
                new Entry("i32", DType.I32, shape, le(4, 6, (b, i) -> b.putInt(i * 1000 - 2500))),
                new Entry("i16", DType.I16, shape, le(2, 6, (b, i) -> b.putShort((short) (i * 100 - 300)))),
                new Entry("i8", DType.I8, shape, new byte[] {-128, -1, 0, 1, 2, 127}),
                new Entry("u8", DType.U8, shape, new byte[] {0, 1, 127, (byte) 128, (byte) 200, (byte) 255}),
                new Entry("bool", DType.BOOL, shape, new byte[] {0, 1, 1, 0, 0, 1}));
        Path p = dir.resolve("all.safetensors");
        SafeTensorsWriter.write(p, entries, Map.of());
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertEquals(10, f.tensors().size());
            for (Entry e : entries) {
                TensorInfo t = f.info(e.name()).orElseThrow();
                assertEquals(e.dtype(), t.dtype());
                assertArrayEquals(shape, t.shape());
                assertArrayEquals(e.data(), f.segment(e.name()).toArray(ValueLayout.JAVA_BYTE), e.name());
            }
            assertArrayEquals(new float[] {-1, -0.5f, 0, 0.5f, 1, 1.5f}, f.readFloats("f64"));
            assertArrayEquals(new float[] {-1.5f, 0, 1, 2.25f, 1e-30f, 3e38f}, f.readFloats("f32"));
            assertArrayEquals(new float[] {-2, -0.5f, 0, 0.25f, 1, 65504}, f.readFloats("f16"));
            assertArrayEquals(new long[] {Long.MIN_VALUE, -1, 0, 1, 1L << 40, Long.MAX_VALUE}, f.readLongs("i64"));
            assertArrayEquals(new long[] {-2500, -1500, -500, 500, 1500, 2500}, f.readLongs("i32"));
            assertArrayEquals(new float[] {-2500, -1500, -500, 500, 1500, 2500}, f.readFloats("i32"));
            assertArrayEquals(new long[] {-300, -200, -100, 0, 100, 200}, f.readLongs("i16"));
            assertArrayEquals(new long[] {-128, -1, 0, 1, 2, 127}, f.readLongs("i8"));
            assertArrayEquals(new long[] {0, 1, 127, 128, 200, 255}, f.readLongs("u8"));
            assertArrayEquals(new float[] {0, 1, 127, 128, 200, 255}, f.readFloats("u8"));
            assertArrayEquals(new long[] {0, 1, 1, 0, 0, 1}, f.readLongs("bool"));
            Tensor t = f.readTensor("f32");
            assertArrayEquals(new int[] {2, 3}, t.shape());
            assertEquals(2.25f, t.data()[3]);
            CheckpointException e = assertThrows(CheckpointException.class, () -> f.readLongs("f32"));
            assertTrue(e.getMessage().contains("'f32'") && e.getMessage().contains("not an integer type"),
                    e.getMessage());
        }
    }

    @Test
    void tensorMapKeepsOrderAndMetadata() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("z.last", Tensor.of(new float[] {1, 2, 3}, 3));
        tensors.put("a.first", Tensor.of(new float[] {4, 5, 6, 7}, 2, 2));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "ünïcode ✓");
        Path p = dir.resolve("map.safetensors");
        SafeTensorsWriter.write(p, tensors, meta);

        byte[] raw = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\""), header);
        assertTrue(header.indexOf("z.last") < header.indexOf("a.first"), header);

        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertEquals(meta, f.metadata());
            assertEquals(8 + n, f.dataStart());
            assertEquals(List.of("z.last", "a.first"), f.tensors().stream().map(TensorInfo::name).toList());
            TensorInfo a = f.info("a.first").orElseThrow();
            assertEquals(12, a.begin());
            assertEquals(8 + n + 12, f.absoluteOffset(a));
            assertEquals(tensors.get("a.first"), f.readTensor("a.first"));
            assertEquals(tensors.get("z.last"), f.readTensor("z.last"));
            assertTrue(f.contains("z.last"));
            assertFalse(f.contains("nope"));
            assertTrue(f.info("nope").isEmpty());
            assertEquals(2, f.names().size());
            CheckpointException e = assertThrows(CheckpointException.class, () -> f.readFloats("nope"));
            assertTrue(e.getMessage().contains("map.safetensors") && e.getMessage().contains("'nope'")
                    && e.getMessage().contains("2 tensors"), e.getMessage());
        }
    }

    @Test
    void scalarAndZeroSizeTensors() throws IOException {
        Path p = dir.resolve("edge.safetensors");
        SafeTensorsWriter.write(p, List.of(
                Entry.f32("empty_a", new long[] {0, 4}, new float[0]),
                Entry.f32("scalar", new long[] {}, new float[] {42.5f}),
                Entry.f32("empty_b", new long[] {3, 0}, new float[0]),
                Entry.i64("scalar_i", new long[] {}, new long[] {-7})), Map.of());
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertTrue(f.metadata().isEmpty());
            Tensor s = f.readTensor("scalar");
            assertEquals(0, s.rank());
            assertArrayEquals(new float[] {42.5f}, s.data());
            assertArrayEquals(new long[] {-7}, f.readLongs("scalar_i"));
            Tensor e = f.readTensor("empty_b");
            assertArrayEquals(new int[] {3, 0}, e.shape());
            assertEquals(0, e.numel());
            assertEquals(0, f.readFloats("empty_a").length);
            assertEquals(0, f.segment("empty_a").byteSize());
        }
    }

    @Test
    void f16Conversion() throws IOException {
        short[] bits = {0x0001, (short) 0x8001, 0x03ff, 0x0400, 0x3c00, (short) 0xc000, 0x7bff,
            0x7c00, (short) 0xfc00, (short) 0x8000, 0x0000, 0x3555};
        float[] want = {0x1p-24f, -0x1p-24f, 0x3ffp-24f, 0x1p-14f, 1, -2, 65504,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0f, 0.0f, 0.333251953125f};
        float[] got = readBits(DType.F16, bits, 0x7e00);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "element " + i);
        }
        assertTrue(Float.isNaN(got[want.length]));
        // Encoding rounds to nearest even and keeps the special values.
        assertArrayEquals(bits, decodeShorts(SafeTensorsWriter.encodeF16(want)));
        assertArrayEquals(new short[] {0x3c00, 0x3c00, 0x3c02, 0x7c00},
                decodeShorts(SafeTensorsWriter.encodeF16(new float[] {1 + 0x1p-11f, 1 + 0x1p-12f, 1 + 0x3p-11f, 70000})));
    }

    @Test
    void bf16Conversion() throws IOException {
        short[] bits = {0x3f80, (short) 0xbf80, 0x0001, 0x007f, 0x7f80, (short) 0xff80, (short) 0x8000,
            0x4049, 0x7f7f};
        float[] want = {1, -1, Float.intBitsToFloat(0x00010000), Float.intBitsToFloat(0x007f0000),
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0f, 3.140625f,
            Float.intBitsToFloat(0x7f7f0000)};
        float[] got = readBits(DType.BF16, bits, 0x7fc0);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), "element " + i);
        }
        assertTrue(Float.isNaN(got[want.length]));
        assertArrayEquals(bits, decodeShorts(SafeTensorsWriter.encodeBF16(want)));
        // 1 + 2^-8 is a tie: rounds to even (1.0); 1 + 3*2^-8 rounds up to 1 + 2^-6; pi rounds to 3.140625.
        assertArrayEquals(new short[] {0x3f80, 0x3f82, 0x4049},
                decodeShorts(SafeTensorsWriter.encodeBF16(new float[] {1 + 0x1p-8f, 1 + 0x3p-8f, (float) Math.PI})));
        assertTrue(Float.isNaN(ElementCodec.bf16ToFloat(decodeShorts(SafeTensorsWriter.encodeBF16(
                new float[] {Float.intBitsToFloat(0x7f800001)}))[0])), "signalling NaN stays NaN");
    }

    @Test
    void writerRejectsBadEntries() {
        assertThrows(IllegalArgumentException.class,
                () -> new Entry("x", DType.F32, new long[] {2}, new byte[4]));
        assertThrows(IllegalArgumentException.class,
                () -> new Entry("x", DType.F32, new long[] {-1}, new byte[0]));
        assertThrows(IllegalArgumentException.class,
                () -> new Entry("__metadata__", DType.F32, new long[] {}, new byte[4]));
        Entry a = Entry.f32("a", new long[] {1}, new float[] {1});
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensorsWriter.write(dir.resolve("dup.safetensors"), List.of(a, a), Map.of()));
        assertFalse(Files.exists(dir.resolve("dup.safetensors")));
    }

    @Test
    void overwriteReplacesAtomically() throws IOException {
        Path p = dir.resolve("w.safetensors");
        SafeTensorsWriter.write(p, Map.of("a", Tensor.of(new float[] {1}, 1)), Map.of());
        SafeTensorsWriter.write(p, Map.of("b", Tensor.of(new float[] {2, 3}, 2)), Map.of());
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertEquals(List.of("b"), List.copyOf(f.names()));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList(), "no temporary files left behind");
        }
    }

    private float[] readBits(DType dtype, short[] bits, int nan) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2 * (bits.length + 1)).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : bits) {
            b.putShort(s);
        }
        b.putShort((short) nan);
        Path p = dir.resolve(dtype + ".safetensors");
        SafeTensorsWriter.write(p, List.of(new Entry("h", dtype, new long[] {bits.length + 1}, b.array())), Map.of());
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            return f.readFloats("h");
        }
    }

    private static short[] decodeShorts(byte[] bytes) {
        short[] s = new short[bytes.length / 2];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
        return s;
    }
}
