package org.bivdiff.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.bivdiff.io.DType;
import org.bivdiff.io.TensorInfo;
import org.bivdiff.io.TensorLocation;
import org.bivdiff.io.TorchFile;
import org.bivdiff.io.TorchFileException;

/**
 * The {@code torch_checkpoints} case: every {@code torch.save} file of the case's {@code files} and every
 * hand-crafted file of {@code hand_crafted} under {@code files_dir}, read with {@link TorchFile}.
 * <ul>
 * <li>an accepted file: its format, and for each tensor listed its dtype, shape and strides, whether it
 * is used in place (exactly the contiguous ones) and where (a record's data offset plus its storage
 * offset), its int64 values where the JSON lists them, and its values against the expected output it
 * names, exactly;</li>
 * <li>a file to refuse: opening must fail with a {@link TorchFileException} naming the file, and naming
 * every global of its pickle outside the case's {@code allowed_globals_seen} (such a global is never
 * resolved or called: the reader has no way to, so nothing is executed) and every storage record its
 * reason names.</li>
 * </ul>
 */
final class TorchCheckpointCases {

    /** A zip record of a storage, as a refusal's reason names it ({@code archive/data/1}). */
    private static final Pattern RECORD = Pattern.compile("[\\w.-]+/data/\\w+");

    private TorchCheckpointCases() {
    }

    static void check(CaseContext ctx) throws Exception {
        JsonNode json = ctx.spec().json();
        Path dir = ctx.path("files_dir");
        Set<String> allowed = new HashSet<>();
        json.path("allowed_globals_seen").forEach(g -> allowed.add(g.asText()));
        if (allowed.isEmpty()) {
            throw new IllegalArgumentException("case " + ctx.spec().name() + " lists no allowed_globals_seen");
        }
        int files = 0;
        for (JsonNode group : new JsonNode[] {json.path("files"), json.path("hand_crafted")}) {
            for (var it = group.fields(); it.hasNext(); files++) {
                var e = it.next();
                Path file = dir.resolve(e.getKey());
                if (e.getValue().path("expected").asText("accepted").equals("refused")) {
                    refused(file, e.getValue(), allowed);
                } else {
                    accepted(ctx, file, e.getValue());
                }
            }
        }
        if (files == 0) {
            throw new IllegalArgumentException("case " + ctx.spec().name() + " lists no files");
        }
    }

    private static void accepted(CaseContext ctx, Path file, JsonNode desc) throws IOException {
        try (TorchFile f = TorchFile.open(file)) {
            String format = desc.path("format").asText("zip");
            TorchFile.Format expected = format.startsWith("legacy") ? TorchFile.Format.LEGACY : TorchFile.Format.ZIP;
            require(f.format() == expected, file, "read as " + f.format() + ", the case says " + format);
            if (desc.path("top_level").has("state_dict")) {
                require(f.stateDictEntry().orElse("").equals("state_dict"), file,
                        "tensors should come from the 'state_dict' entry, came from " + f.stateDictEntry());
            }
            Set<Long> recordOffsets = new HashSet<>();
            desc.path("records").forEach(r -> recordOffsets.add(r.path("data_offset").asLong()));
            for (var it = desc.path("tensors").fields(); it.hasNext();) {
                var t = it.next();
                tensor(ctx, f, t.getKey(), t.getValue(), recordOffsets);
            }
        }
    }

    private static void tensor(CaseContext ctx, TorchFile f, String name, JsonNode t, Set<Long> recordOffsets)
            throws IOException {
        Path file = f.path();
        TensorInfo info = f.info(name).orElseThrow(() -> new IllegalStateException(file + ": no tensor '" + name
                + "' (has " + f.names() + ")"));
        DType dtype = dtype(t.path("dtype").asText());
        require(info.dtype() == dtype, file, "'" + name + "' is " + info.dtype() + ", expected " + dtype);
        require(Arrays.equals(info.shape(), longs(t.path("shape"))), file, "'" + name + "' has shape "
                + Arrays.toString(info.shape()) + ", expected " + t.path("shape"));
        require(Arrays.equals(f.stride(name), longs(t.path("stride"))), file, "'" + name + "' has stride "
                + Arrays.toString(f.stride(name)) + ", expected " + t.path("stride"));
        TensorLocation at = f.locate(name);
        boolean contiguous = t.has("contiguous") ? t.path("contiguous").asBoolean()
                : cOrder(longs(t.path("shape")), longs(t.path("stride")));
        require((at instanceof TensorLocation.InFile) == contiguous, file, "'" + name + "' is " + at
                + " but " + (contiguous ? "contiguous: it should be used in place" : "a view: it should be gathered"));
        if (at instanceof TensorLocation.InFile in && !recordOffsets.isEmpty()) {
            long start = in.offset() - t.path("storage_offset").asLong() * dtype.byteSize();
            require(recordOffsets.contains(start), file, "'" + name + "' located at offset " + in.offset()
                    + ", which is not a record's data (" + recordOffsets + ") plus its storage offset");
        }
        JsonNode ints = t.path("values_int64");
        if (ints.isArray()) {
            require(Arrays.equals(f.readLongs(name), longs(ints)), file, "'" + name + "' int64 values differ from the case's");
        }
        JsonNode expected = t.path("expected");
        if (expected.isTextual()) {
            ctx.check(expected.asText(), f.readTensor(name));
        }
    }

    private static void refused(Path file, JsonNode desc, Set<String> allowed) throws IOException {
        String message;
        try (TorchFile f = TorchFile.open(file)) {
            throw new IllegalStateException(file + ": should be refused (" + desc.path("why").asText()
                    + ") but opened with " + f.names().size() + " tensors");
        } catch (TorchFileException e) {
            message = e.getMessage();
        }
        require(message.startsWith(file + ": "), file, "the refusal does not name the file: " + message);
        for (JsonNode g : desc.path("pickle_globals")) {
            require(allowed.contains(g.asText()) || message.contains(g.asText()), file,
                    "the refusal does not name the disallowed global " + g.asText() + ": " + message);
        }
        Matcher record = RECORD.matcher(desc.path("why").asText());
        while (record.find()) {
            require(message.contains(record.group()), file, "the refusal does not name the record " + record.group()
                    + ": " + message);
        }
    }

    /** The case's dtype spellings (torch's). */
    private static DType dtype(String torchName) {
        return switch (torchName.toLowerCase(Locale.ROOT)) {
            case "float64" -> DType.F64;
            case "float32" -> DType.F32;
            case "float16" -> DType.F16;
            case "bfloat16" -> DType.BF16;
            case "int64" -> DType.I64;
            case "int32" -> DType.I32;
            case "int16" -> DType.I16;
            case "int8" -> DType.I8;
            case "uint8" -> DType.U8;
            case "bool" -> DType.BOOL;
            default -> throw new IllegalArgumentException("unknown torch dtype '" + torchName + "' in the case");
        };
    }

    /** Whether strides are C order (dimensions of size 1 may have any stride, as in torch). */
    private static boolean cOrder(long[] shape, long[] stride) {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    private static void require(boolean ok, Path file, String problem) {
        if (!ok) {
            throw new IllegalStateException(file + ": " + problem);
        }
    }
}
