package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bivdiff.io.SafeTensorsWriter.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Truncated, inconsistent and malicious files: each must fail with a SafeTensorsException that says why. */
class SafeTensorsMalformedTest {

    private static final String W = "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}";

    @TempDir
    Path dir;

    /** 8-byte little-endian length, then the header bytes, then {@code dataBytes} zero bytes. */
    private static byte[] file(long headerLength, byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header);
        return b.array();
    }

    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, dataBytes);
    }

    /** Writes {@code bytes} as {@code <name>.safetensors}, opens it, and checks the message. */
    private void rejects(String name, byte[] bytes, String... fragments) throws IOException {
        Path p = dir.resolve(name + ".safetensors");
        Files.write(p, bytes);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensorsFile.open(p).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(p + ": "), "names the file: " + m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "message should contain '" + f + "': " + m);
        }
    }

    private void rejects(String name, String header, int dataBytes, String... fragments) throws IOException {
        rejects(name, file(header, dataBytes), fragments);
    }

    @Test
    void validBaselineOpens() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        Files.write(p, file("{" + W + "}   ", 24));
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertEquals(6, f.readFloats("w").length);
        }
    }

    @Test
    void fileLevelProblems() throws IOException {
        rejects("empty", new byte[0], "0 bytes", "fewer than the 8-byte");
        rejects("short", new byte[] {1, 0, 0}, "3 bytes");
        rejects("zero_len", file(0, new byte[0], 16), "header length is 0");
        rejects("past_end", file(1000, "{}".getBytes(StandardCharsets.UTF_8), 0), "header length 1000",
                "past the end of the file (10 bytes)");
        rejects("huge", file(200_000_000L, "{}".getBytes(StandardCharsets.UTF_8), 0), "200000000",
                "exceeds the limit of 100000000");
        rejects("negative_len", file(-1L, "{}".getBytes(StandardCharsets.UTF_8), 0), "18446744073709551615",
                "exceeds the limit");
        rejects("not_json", "{dtype: F32}", 0, "header is not valid JSON");
        rejects("trailing", "{} {}", 0, "header is not valid JSON");
        rejects("blank", "        ", 0, "does not begin with '{' (0x7B) but with byte 0x20");
        rejects("leading_space", " {}     ", 0, "does not begin with '{'");
        rejects("newline_padding", "{}\n     ", 0, "padded with byte 0x0A at 10", "only spaces (0x20)");
        rejects("nul_padding", "{}\0\0\0\0\0\0", 0, "padded with byte 0x00");
        rejects("bad_utf8", file(4, new byte[] {'{', (byte) 0xc3, (byte) 0x28, '}'}, 0), "not valid UTF-8");
        rejects("array", "[1, 2]", 0, "does not begin with '{'");
        rejects("number", "42", 0, "does not begin with '{'");
        rejects("object_then_array", "{\"__metadata__\":{}} [1]", 0, "padded with byte 0x5D");
        rejects("duplicate", "{" + W + "," + W + "}", 24, "not valid JSON", "Duplicate field 'w'");
    }

    @Test
    void truncatedDataSection() throws IOException {
        rejects("truncated", "{" + W + "}", 20, "tensor 'w'", "out of range", "data section holds 20 bytes");
    }

    @Test
    void metadataProblems() throws IOException {
        rejects("meta_number", "{\"__metadata__\":{\"format\":\"pt\",\"step\":3}}", 0, "__metadata__ value of 'step'",
                "is a JSON number, expected a string");
        rejects("meta_array", "{\"__metadata__\":[\"pt\"]}", 0, "__metadata__ is a JSON array");
    }

    @Test
    void entryProblems() throws IOException {
        rejects("unknown_dtype", "{\"w\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2,
                "tensor 'w'", "unknown dtype 'F8'");
        rejects("lower_dtype", "{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                "tensor 'w'", "upper case");
        rejects("dtype_number", "{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                "tensor 'w'", "dtype is a JSON number");
        rejects("negative_dim", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-3],\"data_offsets\":[0,24]}}", 24,
                "tensor 'w'", "shape dimension 1 is negative");
        rejects("float_dim", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}", 10,
                "tensor 'w'", "shape dimension 0 is 2.5, expected a non-negative integer");
        rejects("string_dim", "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8,
                "tensor 'w'", "shape dimension 0");
        rejects("huge_dim", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1099511627777],\"data_offsets\":[0,8]}}", 8,
                "tensor 'w'", "more than the limit of 1099511627776");
        rejects("overflow", "{\"w\":{\"dtype\":\"F64\",\"shape\":[1099511627776,1099511627776],"
                + "\"data_offsets\":[0,8]}}", 8, "tensor 'w'", "more bytes than a long can count");
        rejects("rank9", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
                "tensor 'w'", "rank 9");
        rejects("shape_object", "{\"w\":{\"dtype\":\"F32\",\"shape\":{},\"data_offsets\":[0,0]}}", 0,
                "tensor 'w'", "shape is a JSON object");
        rejects("missing_dtype", "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
                "tensor 'w'", "missing field 'dtype'");
        rejects("missing_offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8,
                "tensor 'w'", "missing field 'data_offsets'");
        rejects("extra_field", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"align\":8}}", 8,
                "tensor 'w'", "unknown field 'align'");
        rejects("entry_string", "{\"w\":\"F32\"}", 0, "tensor 'w'", "entry is a JSON string");
    }

    @Test
    void offsetProblems() throws IOException {
        rejects("mismatch", "{\"conv.weight\":{\"dtype\":\"F32\",\"shape\":[5,6],\"data_offsets\":[0,100]}}", 100,
                "tensor 'conv.weight': data_offsets [0, 100) hold 100 bytes but F32 [5, 6] needs 120");
        rejects("begin_after_end", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8,
                "tensor 'w'", "begin after end");
        rejects("out_of_range", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 12,
                "tensor 'w'", "out of range", "holds 12 bytes");
        rejects("negative_offset", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 12,
                "tensor 'w'", "out of range");
        rejects("bignum_offset", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,"
                + "123456789012345678901234567890]}}", 12, "tensor 'w'", "out of range");
        rejects("three_offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", 8,
                "tensor 'w'", "expected [begin, end]");
        rejects("float_offset", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}", 8,
                "tensor 'w'", "expected integers");
        rejects("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[12,28]}}", 28,
                "tensor 'b'", "overlap tensor 'a' at [0, 16)");
        rejects("same_range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"I32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "overlap");
    }

    @Test
    void theDataSectionIsIndexedEntirely() throws IOException {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}";
        rejects("trailing_bytes", "{" + a + "}", 20, "4 byte(s) after the last tensor's data",
                "bytes [16, 20)) are not indexed by the header");
        rejects("no_tensors_but_data", "{}", 8, "8 byte(s) after the last tensor's data");
        rejects("hole", "{" + a + ",\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[20,22]}}", 22,
                "tensor 'b'", "leave a hole: bytes [16, 20) of the data section belong to no tensor");
        rejects("hole_at_start", "{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}", 4,
                "tensor 'b'", "bytes [0, 2)");
        rejects("empty_inside", "{" + a + ",\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 16,
                "tensor 'e'", "overlap tensor 'a'");
    }

    @Test
    void zeroLengthTensorsAtBoundariesAreFine() throws IOException {
        Path p = dir.resolve("boundaries.safetensors");
        Files.write(p, file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,16]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[16,18]}}  ", 18));
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertEquals(List.of("z", "a", "e", "b"), f.tensors().stream().map(TensorInfo::name).toList());
            assertEquals(0, f.readFloats("e").length);
        }
    }

    /** Deterministic mutations of a valid file: only SafeTensorsException, or a file that reads fine. */
    @Test
    void fuzzedFilesFailCleanly() throws IOException {
        Path valid = dir.resolve("valid.safetensors");
        SafeTensorsWriter.write(valid, List.of(
                Entry.f32("a.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
                Entry.f16("b", new long[] {4}, new float[] {1, 2, 3, 4}),
                Entry.i64("ids", new long[] {1, 3}, new long[] {0, 1, 2}),
                Entry.bf16("s", new long[] {}, new float[] {7})), Map.of("format", "pt"));
        byte[] original = Files.readAllBytes(valid);
        int headerEnd = 8 + (int) ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] interesting = "{}[],:\"0123456789-.eE \\u\0\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        Random rnd = new Random(20240607L);
        Path p = dir.resolve("fuzz.safetensors");
        int rejected = 0;
        for (int round = 0; round < 3000; round++) {
            byte[] b = original.clone();
            int kind = rnd.nextInt(4);
            if (kind == 0) {
                b = Arrays.copyOf(b, rnd.nextInt(b.length));
            } else {
                int edits = 1 + rnd.nextInt(4);
                for (int i = 0; i < edits; i++) {
                    // Mostly the length prefix and the header, where the parser works.
                    int at = rnd.nextInt(10) == 0 ? rnd.nextInt(b.length) : rnd.nextInt(headerEnd);
                    b[at] = switch (kind) {
                        case 1 -> (byte) (b[at] ^ (1 << rnd.nextInt(8)));
                        case 2 -> interesting[rnd.nextInt(interesting.length)];
                        default -> (byte) rnd.nextInt(256);
                    };
                }
            }
            Files.write(p, b);
            try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
                for (TensorInfo t : f.tensors()) {
                    f.readFloats(t.name());
                    f.readTensor(t.name());
                    if (!t.dtype().isFloating()) {
                        f.readLongs(t.name());
                    }
                }
            } catch (SafeTensorsException e) {
                assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
                rejected++;
            } catch (Throwable t) {
                fail("round " + round + ": unexpected " + t, t);
            }
        }
        assertTrue(rejected > 1500, "most mutations are rejected: " + rejected);
    }
}
