package org.bivdiff.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses and strictly validates the header of a safetensors file. The rules are listed on
 * {@link SafeTensorsFile}; every violation becomes a {@link SafeTensorsException} naming the file.
 */
final class SafeTensorsHeader {

    /** Largest accepted header, as in the reference implementation (huggingface/safetensors). */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Largest accepted dimension. */
    static final long MAX_DIM = 1L << 40;
    /** Largest accepted rank. */
    static final int MAX_RANK = 8;

    static final String METADATA_KEY = "__metadata__";
    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");
    private static final ValueLayout.OfLong U64_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * A validated header.
     *
     * @param headerLength the JSON header's length in bytes (the data section starts at 8 + this)
     * @param metadata     the {@code __metadata__} map, empty when absent, in file order
     * @param tensors      the entries sorted by begin offset (then end, then name)
     */
    record Parsed(long headerLength, Map<String, String> metadata, List<TensorInfo> tensors) {
    }

    private final Path path;

    private SafeTensorsHeader(Path path) {
        this.path = path;
    }

    /** Parses the header of {@code file}, the whole content of the file at {@code path}. */
    static Parsed parse(Path path, MemorySegment file) throws SafeTensorsException {
        try {
            return new SafeTensorsHeader(path).parse(file);
        } catch (RuntimeException e) {
            // A safety net: the checks below are meant to catch everything first.
            throw SafeTensorsException.ofFile(path, "malformed header (" + e + ")");
        }
    }

    private Parsed parse(MemorySegment file) throws SafeTensorsException {
        long size = file.byteSize();
        if (size < 8) {
            throw fileError("file has " + size + " bytes, fewer than the 8-byte header length prefix");
        }
        long n = file.get(U64_LE, 0);
        if (n == 0) {
            throw fileError("header length is 0");
        }
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw fileError("header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (8 + n > size) {
            throw fileError("header length " + n + " runs past the end of the file (" + size + " bytes)");
        }
        long dataSize = size - 8 - n;
        byte[] header = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        checkFraming(header);
        JsonNode root = readJson(header);
        if (!root.isObject()) {
            throw fileError("header is a JSON " + kind(root) + ", expected an object");
        }
        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata = metadata(e.getValue());
            } else {
                tensors.add(entry(e.getKey(), e.getValue(), dataSize));
            }
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end)
                .thenComparing(TensorInfo::name));
        checkLayout(tensors, dataSize);
        return new Parsed(n, metadata, Collections.unmodifiableList(tensors));
    }

    /**
     * The format's framing of the JSON: it begins with {@code '{'} and may be padded with spaces (0x20) after
     * its closing brace, nothing else.
     */
    private void checkFraming(byte[] header) throws SafeTensorsException {
        if (header[0] != '{') {
            throw fileError("header does not begin with '{' (0x7B) but with byte 0x"
                    + String.format(Locale.ROOT, "%02X", header[0] & 0xff));
        }
        int last = header.length - 1;
        while (last > 0 && header[last] == ' ') {
            last--;
        }
        if (header[last] != '}') {
            throw fileError("header is padded with byte 0x" + String.format(Locale.ROOT, "%02X", header[last] & 0xff)
                    + " at " + (8 + last) + "; only spaces (0x20) may follow the JSON object");
        }
    }

    private JsonNode readJson(byte[] bytes) throws SafeTensorsException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw fileError("header is not valid UTF-8 (" + e.getMessage() + ")");
        }
        try {
            JsonNode root = Json.STRICT.readTree(text);
            if (root == null || root.isMissingNode()) {
                throw fileError("header is empty (only whitespace)");
            }
            return root;
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw fileError("header is not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (at character " + at.getCharOffset() + ")"));
        }
    }

    private Map<String, String> metadata(JsonNode node) throws SafeTensorsException {
        if (!node.isObject()) {
            throw fileError(METADATA_KEY + " is a JSON " + kind(node) + ", expected an object of strings");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw fileError(METADATA_KEY + " value of '" + e.getKey() + "' is a JSON " + kind(e.getValue())
                        + ", expected a string");
            }
            m.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(m);
    }

    private TensorInfo entry(String name, JsonNode node, long dataSize) throws SafeTensorsException {
        if (!node.isObject()) {
            throw tensorError(name, "entry is a JSON " + kind(node) + ", expected an object");
        }
        for (String field : ENTRY_FIELDS) {
            if (!node.has(field)) {
                throw tensorError(name, "missing field '" + field + "'");
            }
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!ENTRY_FIELDS.contains(e.getKey())) {
                throw tensorError(name, "unknown field '" + e.getKey() + "' (allowed: dtype, shape, data_offsets)");
            }
        }
        DType dtype = dtype(name, node.get("dtype"));
        long[] shape = shape(name, node.get("shape"));
        long[] offsets = offsets(name, node.get("data_offsets"), dataSize);
        long numel = 1;
        long bytes;
        try {
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
            }
            bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw tensorError(name, dtype + " " + Arrays.toString(shape) + " has more bytes than a long can count");
        }
        long held = offsets[1] - offsets[0];
        if (held != bytes) {
            throw tensorError(name, "data_offsets [" + offsets[0] + ", " + offsets[1] + ") hold " + held
                    + " bytes but " + dtype + " " + Arrays.toString(shape) + " needs " + bytes);
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private DType dtype(String name, JsonNode node) throws SafeTensorsException {
        if (!node.isTextual()) {
            throw tensorError(name, "dtype is a JSON " + kind(node) + ", expected a string");
        }
        try {
            return DType.parse(node.textValue());
        } catch (IllegalArgumentException e) {
            throw tensorError(name, e.getMessage());
        }
    }

    private long[] shape(String name, JsonNode node) throws SafeTensorsException {
        if (!node.isArray()) {
            throw tensorError(name, "shape is a JSON " + kind(node) + ", expected an array of integers");
        }
        if (node.size() > MAX_RANK) {
            throw tensorError(name, "shape has rank " + node.size() + ", more than the limit of " + MAX_RANK);
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = node.get(i);
            if (!d.isIntegralNumber()) {
                throw tensorError(name, "shape dimension " + i + " is " + d + ", expected a non-negative integer");
            }
            if (d.bigIntegerValue().signum() < 0) {
                throw tensorError(name, "shape dimension " + i + " is negative (" + d + ")");
            }
            if (!d.canConvertToLong() || d.longValue() > MAX_DIM) {
                throw tensorError(name, "shape dimension " + i + " is " + d + ", more than the limit of " + MAX_DIM);
            }
            shape[i] = d.longValue();
        }
        return shape;
    }

    private long[] offsets(String name, JsonNode node, long dataSize) throws SafeTensorsException {
        if (!node.isArray() || node.size() != 2) {
            throw tensorError(name, "data_offsets is " + node + ", expected [begin, end]");
        }
        long[] be = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber()) {
                throw tensorError(name, "data_offsets " + node + " holds " + v + ", expected integers");
            }
            if (v.bigIntegerValue().signum() < 0 || !v.canConvertToLong() || v.longValue() > dataSize) {
                throw tensorError(name, "data_offsets " + node + " out of range: the data section holds "
                        + dataSize + " bytes");
            }
            be[i] = v.longValue();
        }
        if (be[0] > be[1]) {
            throw tensorError(name, "data_offsets " + node + " begin after end");
        }
        return be;
    }

    /**
     * The data section must be indexed entirely: ordered by offset, each tensor begins where the previous one
     * ends (the first at 0), and the last ends at the end of the file. Holes, overlaps and unindexed bytes after
     * the last tensor are refused, as huggingface/safetensors' {@code validate} does; they are how polyglot
     * files hide a second payload. A zero-length tensor sits at a boundary like any other.
     *
     * @param sorted the entries ordered by begin, then end
     */
    private void checkLayout(List<TensorInfo> sorted, long dataSize) throws SafeTensorsException {
        long expected = 0;
        TensorInfo last = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < expected) {
                throw tensorError(t.name(), "data_offsets [" + t.begin() + ", " + t.end() + ") overlap tensor '"
                        + last.name() + "' at [" + last.begin() + ", " + last.end() + ")");
            }
            if (t.begin() > expected) {
                throw tensorError(t.name(), "data_offsets [" + t.begin() + ", " + t.end() + ") leave a hole: bytes ["
                        + expected + ", " + t.begin() + ") of the data section belong to no tensor");
            }
            expected = t.end();
            last = t;
        }
        if (expected != dataSize) {
            throw fileError((dataSize - expected) + " byte(s) after the last tensor's data (data section bytes ["
                    + expected + ", " + dataSize + ")) are not indexed by the header");
        }
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private SafeTensorsException fileError(String problem) {
        return SafeTensorsException.ofFile(path, problem);
    }

    private SafeTensorsException tensorError(String tensor, String problem) {
        return SafeTensorsException.ofTensor(path, tensor, problem);
    }
}
