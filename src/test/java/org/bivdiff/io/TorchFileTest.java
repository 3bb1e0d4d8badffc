package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.bivdiff.conformance.Fixtures;
import org.bivdiff.io.SafeTensorsWriter.Entry;
import org.bivdiff.io.pickle.PickleWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TorchWriter} files read back by {@link TorchFile}, and malformed or hostile files refused. */
class TorchFileTest {

    @TempDir
    Path dir;

    private static final float[] A = {1, 2, 3, 4, 5, 6};

    /** One tensor of every dtype, a 0-dim one and an empty one. */
    private static List<Entry> everyDtype() {
        return List.of(
                Entry.f32("a.weight", new long[] {2, 3}, A),
                new Entry("f64", DType.F64, new long[] {2}, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                        .putDouble(0.1).putDouble(-2.5).array()),
                Entry.f16("f16", new long[] {3}, new float[] {0.5f, -1, 65504}),
                Entry.bf16("bf16", new long[] {}, new float[] {3}),
                Entry.i64("i64", new long[] {1, 3}, new long[] {0, -1, 1L << 40}),
                new Entry("i32", DType.I32, new long[] {2}, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(-7).putInt(1 << 30).array()),
                new Entry("i16", DType.I16, new long[] {1}, new byte[] {(byte) 0xfe, (byte) 0xff}),
                new Entry("i8", DType.I8, new long[] {2}, new byte[] {-3, 4}),
                new Entry("u8", DType.U8, new long[] {2}, new byte[] {(byte) 200, 4}),
                new Entry("bool", DType.BOOL, new long[] {3}, new byte[] {1, 0, 1}),
                Entry.f32("empty", new long[] {0, 3}, new float[0]));
    }

    @Test
    void stateDictRoundTripsEveryDtypeInPlace() throws IOException {
        Path p = dir.resolve("diffusion_pytorch_model.bin");
        TorchWriter.write(p, everyDtype());
        try (TorchFile f = TorchFile.open(p)) {
            assertEquals(TorchFile.Format.ZIP, f.format());
            assertTrue(f.stateDictEntry().isEmpty());
            assertEquals(everyDtype().stream().map(Entry::name).toList(), List.copyOf(f.names()));
            for (Entry e : everyDtype()) {
                TensorInfo info = f.info(e.name()).orElseThrow();
                assertEquals(e.dtype(), info.dtype(), e.name());
                assertArrayEquals(e.shape(), info.shape(), e.name());
                TensorLocation.InFile at = assertInstanceOf(TensorLocation.InFile.class, f.locate(e.name()), e.name());
                assertEquals(p, at.file());
                assertEquals(0, at.offset() % 64, e.name() + ": torch.save aligns record data to 64 bytes");
                assertArrayEquals(e.data(), f.segment(e.name()).toArray(ValueLayout.JAVA_BYTE), e.name());
                try (var ch = Files.newByteChannel(p)) {
                    ByteBuffer b = ByteBuffer.allocate(e.data().length);
                    ch.position(at.offset()).read(b);
                    assertArrayEquals(e.data(), b.array(), e.name() + " lies at the located offset");
                }
            }
            assertArrayEquals(A, f.readFloats("a.weight"));
            assertArrayEquals(new float[] {0.1f, -2.5f}, f.readFloats("f64"));
            assertArrayEquals(new float[] {0.5f, -1, 65504}, f.readFloats("f16"));
            assertEquals(3f, f.readTensor("bf16").data()[0]);
            assertArrayEquals(new long[] {0, -1, 1L << 40}, f.readLongs("i64"));
            assertArrayEquals(new long[] {-7, 1 << 30}, f.readLongs("i32"));
            assertArrayEquals(new long[] {-2}, f.readLongs("i16"));
            assertArrayEquals(new long[] {-3, 4}, f.readLongs("i8"));
            assertArrayEquals(new long[] {200, 4}, f.readLongs("u8"));
            assertArrayEquals(new long[] {1, 0, 1}, f.readLongs("bool"));
            assertEquals(0, f.readFloats("empty").length);
            CheckpointException e = assertThrows(CheckpointException.class, () -> f.readLongs("a.weight"));
            assertTrue(e.getMessage().contains("not an integer type"), e.getMessage());
            e = assertThrows(CheckpointException.class, () -> f.readFloats("nope"));
            assertTrue(e.getMessage().contains(p + ": tensor 'nope'"), e.getMessage());
        }
    }

    @Test
    void viewsAreGatheredInCOrder() throws IOException {
        Path p = dir.resolve("views.pt");
        float[] cube = new float[24];
        for (int i = 0; i < cube.length; i++) {
            cube[i] = i;
        }
        new TorchWriter().tensors(List.of(Entry.f32("a", new long[] {2, 3}, A), Entry.f32("cube", new long[] {2, 3, 4}, cube)))
                .view(new TorchWriter.View("a_t", "a", 0, new long[] {3, 2}, new long[] {1, 3}))
                .view(new TorchWriter.View("row1", "a", 3, new long[] {3}, new long[] {1}))
                .view(new TorchWriter.View("expanded", "a", 3, new long[] {2, 1, 3}, new long[] {0, 7, 1}))
                .view(new TorchWriter.View("scalar_of", "a", 5, new long[] {}, new long[] {}))
                .view(new TorchWriter.View("permuted", "cube", 1, new long[] {3, 2, 2}, new long[] {4, 12, 2}))
                .write(p);
        try (TorchFile f = TorchFile.open(p)) {
            assertInstanceOf(TensorLocation.InMemory.class, f.locate("a_t"));
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, f.readFloats("a_t"));
            assertArrayEquals(new long[] {1, 3}, f.stride("a_t"));
            TensorLocation.InFile row = assertInstanceOf(TensorLocation.InFile.class, f.locate("row1"));
            TensorLocation.InFile whole = (TensorLocation.InFile) f.locate("a");
            assertEquals(whole.offset() + 12, row.offset(), "a view at an offset is used in place");
            assertArrayEquals(new float[] {4, 5, 6}, f.readFloats("row1"));
            assertArrayEquals(new float[] {4, 5, 6, 4, 5, 6}, f.readFloats("expanded"));
            assertInstanceOf(TensorLocation.InMemory.class, f.locate("expanded"));
            assertArrayEquals(new float[] {6}, f.readFloats("scalar_of"));
            float[] permuted = new float[12];
            int k = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 2; j++) {
                    for (int l = 0; l < 2; l++) {
                        permuted[k++] = 1 + 4 * i + 12 * j + 2 * l;
                    }
                }
            }
            assertArrayEquals(permuted, f.readFloats("permuted"));
        }
    }

    @Test
    void lightningCheckpointsUseTheirStateDict() throws IOException {
        Path p = dir.resolve("ModelT2V.pth");
        new TorchWriter().tensors(List.of(Entry.f32("unet.w", new long[] {2, 3}, A), Entry.f32("vae.b", new long[] {1}, new float[] {7})))
                .nestedUnder("state_dict", Map.of("epoch", 3L, "hyper_parameters", Map.of("lr", 1e-4, "flags", List.of(true, "x")),
                        "loops", java.util.Collections.singletonMap("x", null)))
                .write(p);
        try (TorchFile f = TorchFile.open(p)) {
            assertEquals("state_dict", f.stateDictEntry().orElseThrow());
            assertEquals(List.of("unet.w", "vae.b"), List.copyOf(f.names()));
            assertArrayEquals(new float[] {7}, f.readFloats("vae.b"));
        }
    }

    @Test
    void zip64ArchivesAreRead() throws IOException {
        Path p = dir.resolve("big.bin");
        new TorchWriter().tensors(everyDtype()).write(p, true);
        try (TorchFile f = TorchFile.open(p)) {
            assertArrayEquals(A, f.readFloats("a.weight"));
            assertArrayEquals(new long[] {0, -1, 1L << 40}, f.readLongs("i64"));
        }
    }

    // ---- hand-made files

    /** A zip of {@code records} (names relative to the archive folder {@code arch/}). */
    private Path zip(String name, Map<String, byte[]> records) throws IOException {
        Path p = dir.resolve(name);
        try (ZipWriter z = new ZipWriter(p)) {
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                z.add("arch/" + r.getKey(), r.getValue());
            }
        }
        return p;
    }

    /** {@code OrderedDict([('w', tensor of 'storage' type / numel, size, stride)])} plus {@code rest} items. */
    private static PickleWriter stateDict(String storageType, long numel, long offset, long[] size, long[] stride) {
        return stateDict(new PickleWriter().proto(), storageType, numel, offset, size, stride);
    }

    private static PickleWriter stateDict(PickleWriter p, String storageType, long numel, long offset, long[] size,
            long[] stride) {
        p.global("collections", "OrderedDict").op(')').op('R').op('(')
                .string("w").global("torch._utils", "_rebuild_tensor_v2").op('(')
                .op('(').string("storage").global("torch", storageType).string("0").string("cpu").integer(numel).op('t').op('Q')
                .integer(offset);
        for (long[] l : new long[][] {size, stride}) {
            p.op('(');
            for (long v : l) {
                p.integer(v);
            }
            p.op('t');
        }
        return p.bool(false).global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
    }

    private static byte[] f32(float... v) {
        return SafeTensorsWriter.encodeF32(v);
    }

    private TorchFileException refuses(Path p, String... fragments) {
        TorchFileException e = assertThrows(TorchFileException.class, () -> TorchFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p + ": "), "names the file: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void handMadeValidFileOpens() throws IOException {
        Path p = zip("ok.pt", Map.of("data.pkl", stateDict("FloatStorage", 4, 0, new long[] {2, 2}, new long[] {2, 1})
                .op('u').op('.').toByteArray(), "data/0", f32(1, 2, 3, 4)));
        try (TorchFile f = TorchFile.open(p)) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, f.readFloats("w"));
        }
    }

    @Test
    void inertCallsAreRefusedWhereTensorsAreNeeded() throws IOException {
        byte[] evil = stateDict("FloatStorage", 4, 0, new long[] {4}, new long[] {1})
                .string("x").global("builtins", "eval").string("__import__('os').system('echo pwned')").op(0x85).op('R')
                .op('u').op('.').toByteArray();
        refuses(zip("eval.pt", Map.of("data.pkl", evil, "data/0", f32(1, 2, 3, 4))),
                "'x': a call of builtins.eval(", "never executed", "not a tensor");
        byte[] system = new PickleWriter().proto().global("os", "system").string("echo pwned").op(0x85).op('R').op('.')
                .toByteArray();
        refuses(zip("system.pt", Map.of("data.pkl", system)), "a call of os.system('echo pwned') (never executed)",
                "not a state dict");
        byte[] parameter = new PickleWriter().proto().op('}').string("p").global("torch._utils", "_rebuild_parameter")
                .op('(').op('N').op('t').op('R').op('s').op('.').toByteArray();
        refuses(zip("param.pt", Map.of("data.pkl", parameter)), "'p': a call of torch._utils._rebuild_parameter(None)");
        byte[] global = new PickleWriter().proto().op('}').string("g").global("os", "system").op('s').op('.').toByteArray();
        refuses(zip("global.pt", Map.of("data.pkl", global)), "'g': the global os.system (never resolved)");
        byte[] list = new PickleWriter().proto().op(']').op('.').toByteArray();
        refuses(zip("list.pt", Map.of("data.pkl", list)), "the pickled object is a list");
        byte[] intKey = new PickleWriter().proto().op('}').integer(3).integer(4).op('s').op('.').toByteArray();
        refuses(zip("intkey.pt", Map.of("data.pkl", intKey)), "state dict key 3 is not a string");
    }

    @Test
    void inertValuesOutsideTheStateDictAreHarmless() throws IOException {
        PickleWriter top = new PickleWriter().proto().op('}').op('(').string("optimizer").global("torch.optim.adam", "Adam")
                .op(')').op('R').string("state_dict");
        byte[] pkl = stateDict(top, "FloatStorage", 4, 0, new long[] {4}, new long[] {1}).op('u')
                .string("odd").op('(').string("storage").global("torch", "ComplexFloatStorage").string("9").string("cpu")
                .integer(1).op('t').op('Q').op('u').op('.').toByteArray();
        Path p = zip("ok.ckpt", Map.of("data.pkl", pkl, "data/0", f32(1, 2, 3, 4), "data/9", new byte[8]));
        try (TorchFile f = TorchFile.open(p)) {
            assertEquals(List.of("w"), List.copyOf(f.names()));
        }
    }

    @Test
    void storageProblemsAreRefused() throws IOException {
        byte[] missing = stateDict("FloatStorage", 4, 0, new long[] {4}, new long[] {1}).op('u').op('.').toByteArray();
        refuses(zip("missing.pt", Map.of("data.pkl", missing)), "storage '0'", "no record arch/data/0");
        refuses(zip("short.pt", Map.of("data.pkl", missing, "data/0", f32(1, 2, 3))), "needs 16 bytes but record arch/data/0 holds 12");
        byte[] past = stateDict("FloatStorage", 4, 1, new long[] {2, 2}, new long[] {2, 1}).op('u').op('.').toByteArray();
        refuses(zip("past.pt", Map.of("data.pkl", past, "data/0", f32(1, 2, 3, 4))), "reaches element 4", "past its end");
        byte[] complex = stateDict("ComplexFloatStorage", 2, 0, new long[] {2}, new long[] {1}).op('u').op('.').toByteArray();
        refuses(zip("complex.pt", Map.of("data.pkl", complex, "data/0", new byte[16])),
                "'w': a tensor of storage type torch.ComplexFloatStorage, which this reader does not support");
        byte[] huge = stateDict("FloatStorage", 1L << 40, 0, new long[] {1}, new long[] {1}).op('u').op('.').toByteArray();
        refuses(zip("huge.pt", Map.of("data.pkl", huge, "data/0", f32(1))), "larger than the file");
        byte[] overflow = stateDict("FloatStorage", 4, 0, new long[] {1L << 40, 1L << 40}, new long[] {1, 1}).op('u').op('.')
                .toByteArray();
        refuses(zip("overflow.pt", Map.of("data.pkl", overflow, "data/0", f32(1, 2, 3, 4))), "overflows");
        byte[] expandedHuge = stateDict("FloatStorage", 1, 0, new long[] {1 << 20, 1 << 20}, new long[] {0, 0}).op('u').op('.')
                .toByteArray();
        Path p = zip("expanded.pt", Map.of("data.pkl", expandedHuge, "data/0", f32(1)));
        try (TorchFile f = TorchFile.open(p)) {
            TorchFileException e = assertThrows(TorchFileException.class, () -> f.readFloats("w"));
            assertTrue(e.getMessage().contains("refusing to materialise"), e.getMessage());
        }
        byte[] badPid = new PickleWriter().proto().op('(').string("storage").op('t').op('Q').op('.').toByteArray();
        refuses(zip("pid.pt", Map.of("data.pkl", badPid)), "is not ('storage', type, key, location, numel)");
    }

    @Test
    void containerProblemsAreRefused() throws IOException {
        Path empty = dir.resolve("empty.bin");
        Files.write(empty, new byte[0]);
        refuses(empty, "the file is empty");
        Path text = dir.resolve("text.bin");
        Files.writeString(text, "hello world");
        refuses(text, "not a torch.save file", "68656c6c6f20776f");
        Path safetensors = dir.resolve("model.bin");
        SafeTensorsWriter.write(safetensors, List.of(Entry.f32("w", new long[] {1}, new float[] {1})), Map.of());
        refuses(safetensors, "not a torch.save file");
        byte[] tar = new byte[1024];
        System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, tar, 257, 5);
        Files.write(text, tar);
        refuses(text, "a tar archive", "before 0.4");
        refuses(zip("nopkl.pt", Map.of("data/0", f32(1))), "no record arch/data.pkl");
        Path noFolder = dir.resolve("nofolder.pt");
        try (ZipWriter z = new ZipWriter(noFolder)) {
            z.add("data.pkl", new byte[] {'N', '.'});
        }
        refuses(noFolder, "not inside an archive folder");
        refuses(zip("order.pt", Map.of("data.pkl", new byte[] {'}', '.'}, "byteorder", "middle".getBytes(StandardCharsets.US_ASCII))),
                "byteorder is 'middle'");
        Path deflated = dir.resolve("deflated.pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(deflated))) {
            z.putNextEntry(new ZipEntry("arch/data.pkl"));
            z.write(new byte[] {'}', '.'});
            z.closeEntry();
        }
        refuses(deflated, "record arch/data.pkl is compressed (zip method 8)");
        refuses(zip("badpickle.pt", Map.of("data.pkl", new byte[] {'}', (byte) 0xff, '.'})),
                "record arch/data.pkl: at byte 1", "unknown opcode");
    }

    @Test
    void bigEndianStoragesAreSwapped() throws IOException {
        byte[] pkl = stateDict("FloatStorage", 4, 0, new long[] {2, 2}, new long[] {2, 1}).op('u').op('.').toByteArray();
        byte[] be = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putFloat(1).putFloat(-2).putFloat(3).putFloat(0.5f).array();
        Path p = zip("be.pt", Map.of("data.pkl", pkl, "byteorder", "big".getBytes(StandardCharsets.US_ASCII), "data/0", be));
        try (TorchFile f = TorchFile.open(p)) {
            assertTrue(f.bigEndian());
            assertInstanceOf(TensorLocation.InMemory.class, f.locate("w"));
            assertArrayEquals(new float[] {1, -2, 3, 0.5f}, f.readFloats("w"));
        }
    }

    /** Every prefix of a small valid file is refused with a TorchFileException, never anything else. */
    @Test
    void everyTruncationIsRefused() throws IOException {
        Path p = dir.resolve("small.pt");
        TorchWriter.write(p, List.of(Entry.f32("w", new long[] {2, 2}, new float[] {1, 2, 3, 4}),
                Entry.i64("ids", new long[] {2}, new long[] {5, 6})));
        byte[] full = Files.readAllBytes(p);
        Path cut = dir.resolve("cut.pt");
        for (int n = 0; n < full.length; n++) {
            Files.write(cut, Arrays.copyOf(full, n));
            assertThrows(TorchFileException.class, () -> TorchFile.open(cut).close(), n + " bytes");
        }
    }

    /** Each byte inverted in turn: the file opens (and its tensors read), or a TorchFileException; nothing else. */
    @Test
    void corruptionsFailCleanly() throws IOException {
        Path p = dir.resolve("small.pt");
        TorchWriter.write(p, List.of(Entry.f32("w", new long[] {2, 2}, new float[] {1, 2, 3, 4})));
        byte[] full = Files.readAllBytes(p);
        Path bad = dir.resolve("bad.pt");
        List<String> unexpected = new ArrayList<>();
        for (int i = 0; i < full.length; i++) {
            for (int v : new int[] {~full[i]}) {
                byte[] b = full.clone();
                b[i] = (byte) v;
                Files.write(bad, b);
                try (TorchFile f = TorchFile.open(bad)) {
                    for (String n : f.names()) {
                        f.readFloats(n);
                    }
                } catch (TorchFileException e) {
                    // refused, as expected for most corruptions
                } catch (IOException | RuntimeException e) {
                    unexpected.add(i + "=" + v + ": " + e);
                }
            }
        }
        assertEquals(List.of(), unexpected);
    }

    @Test
    void writerRefusesWrongData() {
        TorchWriter w = new TorchWriter().streamed(List.of(new SafeTensorsWriter.Spec("w", DType.F32, new long[] {2})),
                spec -> new byte[4]);
        assertThrows(IllegalArgumentException.class, () -> w.write(dir.resolve("x.pt")));
        assertThrows(IllegalArgumentException.class, () -> new TorchWriter()
                .view(new TorchWriter.View("v", "nothing", 0, new long[] {1}, new long[] {1})).write(dir.resolve("y.pt")));
        assertTrue(!Files.exists(dir.resolve("x.pt")) && !Files.exists(dir.resolve("y.pt")));
    }

    /** Every prefix of the legacy-format fixture fails with a TorchFileException, never anything else. */
    @Test
    void everyTruncationOfALegacyStreamIsRefused() throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.root().resolve("models/torch-pickles/diffusers_state_dict_legacy.bin"));
        MemorySegment whole = MemorySegment.ofArray(full);
        assertEquals(TorchFile.Format.LEGACY, TorchFormats.load(dir, whole).format());
        for (int n = 0; n < full.length; n++) {
            MemorySegment cut = whole.asSlice(0, n);
            assertThrows(TorchFileException.class, () -> TorchFormats.load(dir, cut), n + " bytes");
        }
    }
}
