package org.bivdiff.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bivdiff.tensor.Tensor;

/**
 * The weights of one model: a component folder (e.g. {@code unet/}) holding one weights file or a
 * sharded set with an index whose {@code weight_map} maps each tensor name to its shard in the same
 * folder, or a single file ({@link #openFile}), or the keys of either under a prefix
 * ({@link #withPrefix}). Files are safetensors or PyTorch checkpoints ({@link TorchFile}), which are
 * read without executing anything.
 *
 * <p>For a base name such as {@code diffusion_pytorch_model} the files looked for are, in order, for
 * {@link Variant#DEFAULT}: {@code <base>.safetensors}, {@code <base>.safetensors.index.json},
 * {@code <torch>.bin}, {@code <torch>.bin.index.json}, then the fp16 variant as a fallback; for
 * {@link Variant#FP16}: the fp16 variant first ({@code <base>.fp16.safetensors}, then the index as
 * {@code <base>.fp16.safetensors.index.json} or as diffusers spells it,
 * {@code <base>.safetensors.index.fp16.json}, then the same three for {@code .bin}), then the plain files.
 * So safetensors win over pickles of the same variant. {@code <torch>} is the base name, except that
 * transformers' {@code model.safetensors} is {@code pytorch_model.bin} as a pickle.
 *
 * <p>Each file is opened at its real path, every symbolic link resolved (the Hugging Face cache links
 * {@code snapshots/<commit>/unet/x} to {@code blobs/<etag>}): graphs point into the file itself, since
 * ONNX Runtime refuses external data that leaves its folder through a link.
 */
public final class Checkpoint implements AutoCloseable {

    /** Which weight file variant to prefer. */
    public enum Variant {
        /** Full-precision files; the fp16 variant only if none exist. */
        DEFAULT,
        /** The diffusers {@code fp16} variant files; the plain files only if none exist. */
        FP16
    }

    /**
     * Where a tensor of this view lives: its file and its key there, and for a row range of that tensor
     * ({@link #mapped}) the first row and the range's shape ({@code rows} null for the whole tensor).
     */
    private record Entry(WeightsFile file, String key, long rowStart, long[] rows) {
        Entry(WeightsFile file, String key) {
            this(file, key, 0, null);
        }
    }

    /**
     * A tensor of a {@link #mapped} view: rows {@code [rowStart, rowStart + shape[0])} of tensor {@code source}
     * of the underlying checkpoint ({@code rowStart} 0 and the source's shape for a plain rename).
     */
    public record View(String source, long rowStart, long[] shape) {
        public View {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    private final Path folder;
    private final String source;
    private final List<WeightsFile> files;
    private final Map<String, Entry> entries;

    private Checkpoint(Path folder, String source, List<WeightsFile> files, Map<String, Entry> entries) {
        this.folder = folder;
        this.source = source;
        this.files = List.copyOf(files);
        this.entries = Collections.unmodifiableMap(entries);
    }

    /**
     * Opens the weights in {@code folder}, trying base name {@code diffusion_pytorch_model} and then
     * {@code model}, with {@link Variant#DEFAULT}.
     *
     * @throws CheckpointException listing what was looked for if nothing is found, or if a file is bad
     */
    public static Checkpoint open(Path folder) throws IOException {
        return open(folder, Variant.DEFAULT);
    }

    /**
     * Opens the weights in {@code folder}, trying base name {@code diffusion_pytorch_model} and then
     * {@code model}, preferring {@code variant}.
     *
     * @throws CheckpointException listing what was looked for if nothing is found, or if a file is bad
     */
    public static Checkpoint open(Path folder, Variant variant) throws IOException {
        List<String> looked = new ArrayList<>();
        for (String base : List.of("diffusion_pytorch_model", "model")) {
            Optional<Path> found = find(folder, base, variant, looked);
            if (found.isPresent()) {
                return open(folder, found.get(), folder.toString());
            }
        }
        throw nothingFound(folder, looked);
    }

    /**
     * Opens the weights named {@code baseName} (e.g. {@code diffusion_pytorch_model} or {@code model}) in
     * {@code folder}, preferring {@code variant}.
     *
     * @throws CheckpointException listing what was looked for if nothing is found, or if a file, an index
     *                             or a shard is bad or missing
     */
    public static Checkpoint open(Path folder, String baseName, Variant variant) throws IOException {
        List<String> looked = new ArrayList<>();
        Optional<Path> found = find(folder, baseName, variant, looked);
        if (found.isEmpty()) {
            throw nothingFound(folder, looked);
        }
        return open(folder, found.get(), folder.toString());
    }

    /**
     * Opens one weights file: {@code .safetensors}, a sharded index ({@code *.index.json}, its shards next
     * to it), or else a PyTorch checkpoint ({@code .bin}, {@code .pth}, {@code .pt}, {@code .ckpt}; for a
     * Lightning checkpoint, the tensors of its {@code state_dict}: see {@link TorchFile}).
     *
     * @throws CheckpointException naming the file and the reason if it cannot be used
     */
    public static Checkpoint openFile(Path file) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": no such weights file");
        }
        return open(folder, file, file.toString());
    }

    /**
     * The keys under {@code prefix + "."}, with that prefix stripped: {@code withPrefix("unet")} of a
     * checkpoint holding {@code unet.conv_in.weight} holds {@code conv_in.weight}. The view shares the
     * open files: closing any view closes them for all.
     */
    public Checkpoint withPrefix(String prefix) {
        String p = prefix.endsWith(".") ? prefix : prefix + ".";
        Map<String, Entry> view = new TreeMap<>();
        entries.forEach((name, e) -> {
            if (name.startsWith(p) && name.length() > p.length()) {
                view.put(name.substring(p.length()), e);
            }
        });
        return new Checkpoint(folder, source + " (keys under '" + p + "')", files, view);
    }

    /**
     * These weights under other names: each key of {@code views} is a tensor of this checkpoint, or a range of its
     * rows (for state-dict conversions that rename keys and split fused tensors, such as
     * {@code convert_dpt_hybrid_to_pytorch.py}). A row range of a C-ordered tensor is a contiguous byte range, so
     * a graph still points into the file: nothing is copied. The view shares the open files.
     *
     * @throws CheckpointException naming the key if a source is missing or a range does not fit its source
     */
    public Checkpoint mapped(Map<String, View> views) throws CheckpointException {
        Map<String, Entry> view = new TreeMap<>();
        for (Map.Entry<String, View> v : views.entrySet()) {
            View target = v.getValue();
            Entry e = require(target.source());
            TensorInfo info = info(target.source()).orElseThrow();
            long[] from = info.shape();
            long[] to = target.shape();
            boolean fits = from.length == to.length && from.length > 0 && target.rowStart() >= 0
                    && target.rowStart() + to[0] <= from[0];
            for (int i = 1; fits && i < from.length; i++) {
                fits = from[i] == to[i];
            }
            if (!fits && !(from.length == 0 && to.length == 0 && target.rowStart() == 0)) {
                throw new CheckpointException(source + ": '" + v.getKey() + "' as rows " + target.rowStart() + ".. of "
                        + "'" + target.source() + "' " + Arrays.toString(from) + " with shape "
                        + Arrays.toString(to) + ": does not fit");
            }
            boolean whole = Arrays.equals(from, to);
            view.put(v.getKey(), whole && e.rows() == null ? e
                    : new Entry(e.file(), e.key(), e.rowStart() + target.rowStart(), to));
        }
        return new Checkpoint(folder, source + " (converted keys)", files, view);
    }

    /** The folder the weights were found in (for {@link #openFile}, the file's folder). */
    public Path folder() {
        return folder;
    }

    /** What these weights are, for messages: the folder or file, and the prefix of a view. */
    public String source() {
        return source;
    }

    /** All tensor names, sorted, unmodifiable. */
    public Set<String> names() {
        return entries.keySet();
    }

    /** The dtype and shape of tensor {@code name}, if any (see {@link WeightsFile#info}). */
    public Optional<TensorInfo> info(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            return Optional.empty();
        }
        return e.file().info(e.key()).map(i -> {
            if (e.rows() == null) {
                return e.key().equals(name) ? i : new TensorInfo(name, i.dtype(), i.shape(), i.begin(), i.end());
            }
            long rowBytes = rowBytes(i);
            long begin = i.begin() + e.rowStart() * rowBytes;
            return new TensorInfo(name, i.dtype(), e.rows(), begin, begin + e.rows()[0] * rowBytes);
        });
    }

    private static long rowBytes(TensorInfo whole) {
        long[] shape = whole.shape();
        return shape.length == 0 || shape[0] == 0 ? whole.byteLength() : whole.byteLength() / shape[0];
    }

    /** The byte range [offset, offset + length) of entry {@code e}'s rows within its whole tensor. */
    private long[] rowRange(Entry e) {
        TensorInfo whole = e.file().info(e.key()).orElseThrow();
        long rowBytes = rowBytes(whole);
        return new long[] {e.rowStart() * rowBytes, e.rows()[0] * rowBytes};
    }

    /** Where tensor {@code name}'s bytes lie: in its file at an absolute offset, or materialised. */
    public TensorLocation locate(String name) throws CheckpointException {
        Entry e = require(name);
        TensorLocation whole = e.file().locate(e.key());
        if (e.rows() == null) {
            return whole;
        }
        long[] r = rowRange(e);
        return switch (whole) {
            case TensorLocation.InFile f -> new TensorLocation.InFile(f.file(), f.offset() + r[0], r[1]);
            case TensorLocation.InMemory m -> new TensorLocation.InMemory(Arrays.copyOfRange(m.bytes(),
                    Math.toIntExact(r[0]), Math.toIntExact(r[0] + r[1])));
        };
    }

    /** The raw little-endian bytes of tensor {@code name}; see {@link WeightsFile#segment}. */
    public MemorySegment segment(String name) throws CheckpointException {
        Entry e = require(name);
        MemorySegment whole = e.file().segment(e.key());
        if (e.rows() == null) {
            return whole;
        }
        long[] r = rowRange(e);
        return whole.asSlice(r[0], r[1]);
    }

    /** Tensor {@code name} as a float {@link Tensor}; see {@link WeightsFile#readTensor}. */
    public Tensor readTensor(String name) throws CheckpointException {
        Entry e = require(name);
        if (e.rows() == null) {
            return e.file().readTensor(e.key());
        }
        int[] shape = new int[e.rows().length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Math.toIntExact(e.rows()[i]);
        }
        return Tensor.of(readFloats(name), shape);
    }

    /** Tensor {@code name} as floats; see {@link WeightsFile#readFloats}. */
    public float[] readFloats(String name) throws CheckpointException {
        Entry e = require(name);
        float[] whole = e.file().readFloats(e.key());
        return e.rows() == null ? whole : Arrays.copyOfRange(whole, rowElements(e)[0], rowElements(e)[1]);
    }

    /** Element range [from, to) of entry {@code e}'s rows within its whole tensor. */
    private int[] rowElements(Entry e) {
        long[] whole = e.file().info(e.key()).orElseThrow().shape();
        long perRow = 1;
        for (int i = 1; i < whole.length; i++) {
            perRow *= whole[i];
        }
        return new int[] {Math.toIntExact(e.rowStart() * perRow), Math.toIntExact((e.rowStart() + e.rows()[0]) * perRow)};
    }

    /** Tensor {@code name} of an integer type as longs; see {@link WeightsFile#readLongs}. */
    public long[] readLongs(String name) throws CheckpointException {
        Entry e = require(name);
        long[] whole = e.file().readLongs(e.key());
        return e.rows() == null ? whole : Arrays.copyOfRange(whole, rowElements(e)[0], rowElements(e)[1]);
    }

    /** The open files: one, or the shards in index order. */
    public List<WeightsFile> files() {
        return files;
    }

    /** Closes every file (of this checkpoint and of every view sharing them). */
    @Override
    public void close() {
        files.forEach(WeightsFile::close);
    }

    @Override
    public String toString() {
        return "Checkpoint[" + source + ", " + entries.size() + " tensors in " + fileNames() + "]";
    }

    private Entry require(String name) throws CheckpointException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(source + ": tensor '" + name + "': not in the checkpoint ("
                    + entries.size() + " tensors in " + files.size() + " file(s): " + fileNames() + ")");
        }
        return e;
    }

    private List<String> fileNames() {
        return files.stream().map(f -> String.valueOf(f.path().getFileName())).toList();
    }

    /** The first existing candidate file, recording each name tried in {@code looked}. */
    private static Optional<Path> find(Path folder, String base, Variant variant, List<String> looked) {
        String torch = base.equals("model") ? "pytorch_model" : base;
        List<String> plain = List.of(base + ".safetensors", base + ".safetensors.index.json", torch + ".bin",
                torch + ".bin.index.json");
        List<String> fp16 = List.of(base + ".fp16.safetensors", base + ".fp16.safetensors.index.json",
                base + ".safetensors.index.fp16.json", torch + ".fp16.bin", torch + ".fp16.bin.index.json",
                torch + ".bin.index.fp16.json");
        List<String> order = new ArrayList<>(variant == Variant.FP16 ? fp16 : plain);
        order.addAll(variant == Variant.FP16 ? plain : fp16);
        for (String name : order) {
            looked.add(name);
            Path p = folder.resolve(name);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static CheckpointException nothingFound(Path folder, List<String> looked) {
        String where = Files.isDirectory(folder) ? "" : " (the folder does not exist)";
        return new CheckpointException(folder + ": no weights found" + where + "; looked for "
                + String.join(", ", looked));
    }

    /** Opens {@code file} (an index or one weights file) of {@code folder}; messages name {@code source}. */
    private static Checkpoint open(Path folder, Path file, String source) throws IOException {
        if (file.getFileName().toString().endsWith(".json")) {
            return openSharded(folder, file, source);
        }
        WeightsFile f = openWeightsFile(file);
        Map<String, Entry> entries = new TreeMap<>();
        for (String name : f.names()) {
            entries.put(name, new Entry(f, name));
        }
        return new Checkpoint(folder, source, List.of(f), entries);
    }

    /**
     * A safetensors file by its extension, otherwise a torch checkpoint, opened at its real path (the
     * extension is the link's: a Hugging Face cache blob has none).
     */
    private static WeightsFile openWeightsFile(Path file) throws IOException {
        Path real = file.toRealPath();
        return file.getFileName().toString().endsWith(".safetensors") ? SafeTensorsFile.open(real) : TorchFile.open(real);
    }

    private static Checkpoint openSharded(Path folder, Path index, String source) throws IOException {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, WeightsFile> shards = new LinkedHashMap<>();
        try {
            for (String shard : weightMap.values()) {
                if (!shards.containsKey(shard)) {
                    shards.put(shard, openWeightsFile(shardPath(folder, index, shard)));
                }
            }
            Map<String, Entry> entries = new TreeMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                WeightsFile f = shards.get(e.getValue());
                if (!f.contains(e.getKey())) {
                    throw new CheckpointException(index + ": tensor '" + e.getKey() + "': mapped to shard '"
                            + e.getValue() + "', which does not hold it");
                }
                entries.put(e.getKey(), new Entry(f, e.getKey()));
            }
            for (Map.Entry<String, WeightsFile> s : shards.entrySet()) {
                for (String name : s.getValue().names()) {
                    String listed = weightMap.get(name);
                    if (!s.getKey().equals(listed)) {
                        throw new CheckpointException(index + ": tensor '" + name + "': held by shard '"
                                + s.getKey() + "' but " + (listed == null ? "not listed in the weight_map"
                                        : "listed under shard '" + listed + "'"));
                    }
                }
            }
            return new Checkpoint(folder, source, new ArrayList<>(shards.values()), entries);
        } catch (IOException | RuntimeException e) {
            shards.values().forEach(WeightsFile::close);
            throw e;
        }
    }

    /** The {@code weight_map} of an index file: tensor name to shard file name, in file order. */
    private static Map<String, String> readWeightMap(Path index) throws IOException {
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : readIndex(index).get("weight_map").properties()) {
            weightMap.put(e.getKey(), e.getValue().textValue());
        }
        if (weightMap.isEmpty()) {
            throw new CheckpointException(index + ": the weight_map is empty");
        }
        return weightMap;
    }

    /**
     * A sharded checkpoint's index file, checked to hold a {@code weight_map} object whose values are
     * strings (shard file names).
     */
    static ObjectNode readIndex(Path index) throws IOException {
        JsonNode root;
        try {
            root = Json.STRICT.readTree(Files.readAllBytes(index));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(index + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(root instanceof ObjectNode o) || !(o.get("weight_map") instanceof ObjectNode map)) {
            throw new CheckpointException(index + ": no 'weight_map' object");
        }
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(index + ": tensor '" + e.getKey() + "': weight_map value "
                        + e.getValue() + " is not a shard file name");
            }
        }
        return o;
    }

    /** {@code folder/shard}, rejecting names that are not a plain file name in the folder. */
    private static Path shardPath(Path folder, Path index, String shard) throws CheckpointException {
        if (shard.isEmpty() || shard.equals(".") || shard.equals("..") || shard.contains("/")
                || shard.contains("\\") || shard.indexOf('\0') >= 0 || shard.contains(":")) {
            throw new CheckpointException(index + ": shard '" + shard
                    + "' is not a plain file name in the folder " + folder);
        }
        Path p = folder.resolve(shard);
        if (!Files.isRegularFile(p)) {
            throw new CheckpointException(index + ": shard '" + shard + "' is missing from " + folder);
        }
        return p;
    }
}
