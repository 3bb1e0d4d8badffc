package org.bivdiff.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bivdiff.graph.Tensor;

/**
 * The weights of one model component folder (e.g. {@code unet/}), in one safetensors file or sharded
 * over several with a {@code *.safetensors.index.json} whose {@code weight_map} maps each tensor name to
 * its shard file in the same folder.
 *
 * <p>For a base name such as {@code diffusion_pytorch_model} the files looked for are, in order,
 * for {@link Variant#DEFAULT}: {@code <base>.safetensors}, {@code <base>.safetensors.index.json}, then the
 * fp16 variant as a fallback; for {@link Variant#FP16}: the fp16 variant first
 * ({@code <base>.fp16.safetensors}, then the index as {@code <base>.fp16.safetensors.index.json} or as
 * diffusers spells it, {@code <base>.safetensors.index.fp16.json}), then the plain files.
 */
public final class Checkpoint implements AutoCloseable {

    /** Which weight file variant to prefer. */
    public enum Variant {
        /** Full-precision files; the fp16 variant only if none exist. */
        DEFAULT,
        /** The diffusers {@code fp16} variant files; the plain files only if none exist. */
        FP16
    }

    private final Path folder;
    private final List<SafeTensorsFile> files;
    private final Map<String, SafeTensorsFile> owner;

    private Checkpoint(Path folder, List<SafeTensorsFile> files, Map<String, SafeTensorsFile> owner) {
        this.folder = folder;
        this.files = List.copyOf(files);
        this.owner = Collections.unmodifiableMap(owner);
    }

    /**
     * Opens the weights in {@code folder}, trying base name {@code diffusion_pytorch_model} and then
     * {@code model}, with {@link Variant#DEFAULT}.
     *
     * @throws SafeTensorsException listing what was looked for if nothing is found, or if a file is bad
     */
    public static Checkpoint open(Path folder) throws IOException {
        return open(folder, Variant.DEFAULT);
    }

    /**
     * Opens the weights in {@code folder}, trying base name {@code diffusion_pytorch_model} and then
     * {@code model}, preferring {@code variant}.
     *
     * @throws SafeTensorsException listing what was looked for if nothing is found, or if a file is bad
     */
    public static Checkpoint open(Path folder, Variant variant) throws IOException {
        List<String> looked = new ArrayList<>();
        for (String base : List.of("diffusion_pytorch_model", "model")) {
            Optional<Path> found = find(folder, base, variant, looked);
            if (found.isPresent()) {
                return open(folder, found.get());
            }
        }
        throw nothingFound(folder, looked);
    }

    /**
     * Opens the weights named {@code baseName} (e.g. {@code diffusion_pytorch_model} or {@code model}) in
     * {@code folder}, preferring {@code variant}.
     *
     * @throws SafeTensorsException listing what was looked for if nothing is found, or if a file, an index
     *                              or a shard is bad or missing
     */
    public static Checkpoint open(Path folder, String baseName, Variant variant) throws IOException {
        List<String> looked = new ArrayList<>();
        Optional<Path> found = find(folder, baseName, variant, looked);
        if (found.isEmpty()) {
            throw nothingFound(folder, looked);
        }
        return open(folder, found.get());
    }

    /** The folder the weights were found in. */
    public Path folder() {
        return folder;
    }

    /** All tensor names, sorted, unmodifiable. */
    public Set<String> names() {
        return owner.keySet();
    }

    /** The entry named {@code name}, if any. */
    public Optional<TensorInfo> info(String name) {
        SafeTensorsFile f = owner.get(name);
        return f == null ? Optional.empty() : f.info(name);
    }

    /** The file holding tensor {@code name}. */
    public SafeTensorsFile fileOf(String name) throws SafeTensorsException {
        SafeTensorsFile f = owner.get(name);
        if (f == null) {
            throw new SafeTensorsException(folder + ": tensor '" + name + "': not in the checkpoint ("
                    + owner.size() + " tensors in " + files.size() + " file(s): " + fileNames() + ")");
        }
        return f;
    }

    /** Tensor {@code name} as a float {@link Tensor}; see {@link SafeTensorsFile#readTensor}. */
    public Tensor readTensor(String name) throws SafeTensorsException {
        return fileOf(name).readTensor(name);
    }

    /** Tensor {@code name} as floats; see {@link SafeTensorsFile#readFloats}. */
    public float[] readFloats(String name) throws SafeTensorsException {
        return fileOf(name).readFloats(name);
    }

    /** Tensor {@code name} of an integer type as longs; see {@link SafeTensorsFile#readLongs}. */
    public long[] readLongs(String name) throws SafeTensorsException {
        return fileOf(name).readLongs(name);
    }

    /** The open files: one, or the shards in index order. */
    public List<SafeTensorsFile> files() {
        return files;
    }

    /** Closes every file. */
    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }

    @Override
    public String toString() {
        return "Checkpoint[" + folder + ", " + owner.size() + " tensors in " + fileNames() + "]";
    }

    private List<String> fileNames() {
        return files.stream().map(f -> String.valueOf(f.path().getFileName())).toList();
    }

    /** The first existing candidate file, recording each name tried in {@code looked}. */
    private static Optional<Path> find(Path folder, String base, Variant variant, List<String> looked) {
        List<String> plain = List.of(base + ".safetensors", base + ".safetensors.index.json");
        List<String> fp16 = List.of(base + ".fp16.safetensors", base + ".fp16.safetensors.index.json",
                base + ".safetensors.index.fp16.json");
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

    private static SafeTensorsException nothingFound(Path folder, List<String> looked) {
        String where = Files.isDirectory(folder) ? "" : " (the folder does not exist)";
        return new SafeTensorsException(folder + ": no safetensors weights found" + where + "; looked for "
                + String.join(", ", looked));
    }

    private static Checkpoint open(Path folder, Path file) throws IOException {
        if (file.getFileName().toString().endsWith(".json")) {
            return openSharded(folder, file);
        }
        SafeTensorsFile f = SafeTensorsFile.open(file);
        Map<String, SafeTensorsFile> owner = new TreeMap<>();
        for (String name : f.names()) {
            owner.put(name, f);
        }
        return new Checkpoint(folder, List.of(f), owner);
    }

    private static Checkpoint openSharded(Path folder, Path index) throws IOException {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafeTensorsFile> shards = new LinkedHashMap<>();
        try {
            for (String shard : weightMap.values()) {
                if (!shards.containsKey(shard)) {
                    shards.put(shard, SafeTensorsFile.open(shardPath(folder, index, shard)));
                }
            }
            Map<String, SafeTensorsFile> owner = new TreeMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafeTensorsFile f = shards.get(e.getValue());
                if (!f.contains(e.getKey())) {
                    throw new SafeTensorsException(index + ": tensor '" + e.getKey() + "': mapped to shard '"
                            + e.getValue() + "', which does not hold it");
                }
                owner.put(e.getKey(), f);
            }
            for (Map.Entry<String, SafeTensorsFile> s : shards.entrySet()) {
                for (String name : s.getValue().names()) {
                    String listed = weightMap.get(name);
                    if (!s.getKey().equals(listed)) {
                        throw new SafeTensorsException(index + ": tensor '" + name + "': held by shard '"
                                + s.getKey() + "' but " + (listed == null ? "not listed in the weight_map"
                                        : "listed under shard '" + listed + "'"));
                    }
                }
            }
            return new Checkpoint(folder, new ArrayList<>(shards.values()), owner);
        } catch (IOException | RuntimeException e) {
            shards.values().forEach(SafeTensorsFile::close);
            throw e;
        }
    }

    /** The {@code weight_map} of an index file: tensor name to shard file name, in file order. */
    private static Map<String, String> readWeightMap(Path index) throws IOException {
        JsonNode root;
        try {
            root = Json.STRICT.readTree(Files.readAllBytes(index));
        } catch (JsonProcessingException e) {
            throw new SafeTensorsException(index + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new SafeTensorsException(index + ": no 'weight_map' object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafeTensorsException(index + ": tensor '" + e.getKey() + "': weight_map value "
                        + e.getValue() + " is not a shard file name");
            }
            weightMap.put(e.getKey(), e.getValue().textValue());
        }
        if (weightMap.isEmpty()) {
            throw new SafeTensorsException(index + ": the weight_map is empty");
        }
        return weightMap;
    }

    /** {@code folder/shard}, rejecting names that are not a plain file name in the folder. */
    private static Path shardPath(Path folder, Path index, String shard) throws SafeTensorsException {
        if (shard.isEmpty() || shard.equals(".") || shard.equals("..") || shard.contains("/")
                || shard.contains("\\") || shard.indexOf('\0') >= 0 || shard.contains(":")) {
            throw new SafeTensorsException(index + ": shard '" + shard
                    + "' is not a plain file name in the folder " + folder);
        }
        Path p = folder.resolve(shard);
        if (!Files.isRegularFile(p)) {
            throw new SafeTensorsException(index + ": shard '" + shard + "' is missing from " + folder);
        }
        return p;
    }
}
