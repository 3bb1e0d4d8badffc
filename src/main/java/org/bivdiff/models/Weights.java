package org.bivdiff.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Tensor;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.DType;
import org.bivdiff.io.TensorLocation;
import org.bivdiff.io.TensorInfo;

/**
 * A prefix-scoped view of a checkpoint: {@code w.child("down_blocks").child(0).tensor("conv1.weight")}
 * reads the key {@code down_blocks.0.conv1.weight}. Every key handed out is recorded, so that after a
 * model is built {@link #requireAllUsed} can refuse a checkpoint with keys the architecture did not
 * consume. Construction is loading: blocks ask for their keys where their layers are made.
 */
public final class Weights {

    private final Checkpoint checkpoint;
    private final String prefix;
    private final Set<String> used;
    /** Non-null in recording mode: every key asked for, with the shape the architecture implies. */
    private final Map<String, long[]> recorded;

    private Weights(Checkpoint checkpoint, String prefix, Set<String> used, Map<String, long[]> recorded) {
        this.checkpoint = checkpoint;
        this.prefix = prefix;
        this.used = used;
        this.recorded = recorded;
    }

    /** Builds a model's layers from a weights view. */
    @FunctionalInterface
    public interface Builder<T> {
        T build(Weights w) throws IOException;
    }

    /**
     * Builds from the checkpoint in {@code folder} and requires every weight in it to be used. The
     * files are only read for their headers: graphs point into them by path, so the checkpoint is
     * closed again before this returns. For a graph computing in F16 the diffusers {@code fp16}
     * variant files come first when a folder has both, so that the graph uses them as stored instead
     * of converting the full-precision ones.
     */
    public static <T> T load(Path folder, DType computeType, Builder<T> builder) throws IOException {
        Checkpoint.Variant variant = computeType == DType.F16 ? Checkpoint.Variant.FP16 : Checkpoint.Variant.DEFAULT;
        try (Checkpoint checkpoint = Checkpoint.open(folder, variant)) {
            return load(checkpoint, builder);
        }
    }

    /**
     * Builds from {@code checkpoint} (a folder, one file, or a prefix view such as
     * {@code Checkpoint.openFile(lightningCkpt).withPrefix("unet")}) and requires every weight in it to
     * be used. The checkpoint is left open; graphs point into its files by path.
     */
    public static <T> T load(Checkpoint checkpoint, Builder<T> builder) throws IOException {
        Weights w = of(checkpoint);
        T built = builder.build(w);
        w.requireAllUsed(Set.of());
        return built;
    }

    /** Every weight {@code builder} asks for, with its shape: the checkpoint layout of an architecture. */
    public static Map<String, long[]> shapes(Builder<?> builder) throws IOException {
        Weights w = recording();
        builder.build(w);
        return w.recorded();
    }

    /** The root view of {@code checkpoint}. */
    public static Weights of(Checkpoint checkpoint) {
        return new Weights(checkpoint, "", new HashSet<>(), null);
    }

    /**
     * A view over no file that records the key and shape of every weight a model asks for while it
     * is built: the architecture's own list of parameters, for writing random-weight checkpoints in
     * the real layout. Graphs may be built from it but not run.
     */
    public static Weights recording() {
        return new Weights(null, "", new HashSet<>(), new LinkedHashMap<>());
    }

    /** True for a {@link #recording()} view, which has no values to {@link #read}. */
    public boolean isRecording() {
        return recorded != null;
    }

    /** In recording mode, every key asked for so far and its shape, in the order asked. */
    public Map<String, long[]> recorded() {
        if (recorded == null) {
            throw new IllegalStateException("not a recording view");
        }
        return Collections.unmodifiableMap(recorded);
    }

    /** The view under {@code name.}. */
    public Weights child(String name) {
        return new Weights(checkpoint, prefix + name + ".", used, recorded);
    }

    /** The view under {@code index.}, for module lists ({@code resnets.0}). */
    public Weights child(int index) {
        return child(Integer.toString(index));
    }

    /** The full key of {@code name} in this view. */
    public String key(String name) {
        return prefix + name;
    }

    /** True if the checkpoint has {@code name} under this view. */
    public boolean has(String name) {
        return recorded == null ? checkpoint.info(key(name)).isPresent() : recorded.containsKey(key(name));
    }

    /** True if any key starts with this view's prefix followed by {@code name.}. */
    public boolean hasChild(String name) {
        String p = key(name) + ".";
        return (recorded == null ? checkpoint.names() : recorded.keySet()).stream().anyMatch(k -> k.startsWith(p));
    }

    /**
     * The weight {@code name}, marked as used: external data where it lies in its file, or, for a torch
     * tensor stored as a non-contiguous view, its materialised bytes.
     */
    public ExternalTensor tensor(String name) {
        String k = key(name);
        if (recorded != null) {
            throw new IllegalStateException("weight '" + k + "' is asked for without its shape, which a recording needs");
        }
        TensorInfo info = checkpoint.info(k).orElseThrow(() -> new WeightsException("missing weight '" + k + "' in "
                + checkpoint.source() + " (" + checkpoint.files().size() + " file(s), " + checkpoint.names().size()
                + " tensors)" + nearby(k)));
        used.add(k);
        TensorLocation location;
        try {
            location = checkpoint.locate(k);
        } catch (IOException e) {
            throw new WeightsException("cannot locate weight '" + k + "': " + e.getMessage(), e);
        }
        return switch (location) {
            case TensorLocation.InFile f -> new ExternalTensor(k, f.file(), f.offset(), f.length(), info.dtype(), info.shape());
            case TensorLocation.InMemory m -> ExternalTensor.inline(k, info.dtype(), info.shape(), m.bytes());
        };
    }

    /** The weight {@code name}, which must have exactly {@code shape}. */
    public ExternalTensor tensor(String name, long... shape) {
        if (recorded != null) {
            String k = key(name);
            recorded.put(k, shape.clone());
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return new ExternalTensor(k, Path.of("recorded.safetensors"), 0, 4 * n, DType.F32, shape);
        }
        ExternalTensor t = tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new WeightsException("weight '" + t.key() + "' in " + checkpoint.source() + " has shape "
                    + Arrays.toString(t.shape()) + ", the config implies " + Arrays.toString(shape));
        }
        return t;
    }

    /** The shape of {@code name}, without marking it used. */
    public long[] shape(String name) {
        String k = key(name);
        if (recorded != null && recorded.containsKey(k)) {
            return recorded.get(k).clone();
        }
        if (recorded != null) {
            throw new WeightsException("weight '" + k + "' has not been recorded");
        }
        return checkpoint.info(k).orElseThrow(() -> new WeightsException("missing weight '" + k + "' in "
                + checkpoint.source())).shape();
    }

    /** Reads {@code name} into host memory as floats, marking it used. */
    public Tensor read(String name) {
        tensor(name);
        try {
            return checkpoint.readTensor(key(name));
        } catch (IOException e) {
            throw new WeightsException("cannot read weight '" + key(name) + "': " + e.getMessage(), e);
        }
    }

    /** Marks keys as deliberately not used by the graph (buffers such as {@code position_ids}). */
    public void markUsed(String name) {
        if (recorded == null && has(name)) {
            used.add(key(name));
        }
    }

    /**
     * Fails if the checkpoint holds keys that nothing asked for, other than {@code expectedUnused}
     * (full keys).
     */
    public void requireAllUsed(Set<String> expectedUnused) {
        if (recorded != null) {
            return;
        }
        Set<String> unused = new TreeSet<>(checkpoint.names());
        unused.removeAll(used);
        unused.removeAll(expectedUnused);
        if (!unused.isEmpty()) {
            throw new WeightsException(unused.size() + " weight(s) in " + checkpoint.source()
                    + " are not used by the architecture its config describes: " + abbreviate(unused)
                    + " (a config that does not match the weights, or a variant this implementation does not know)");
        }
    }

    private String nearby(String key) {
        int dot = key.lastIndexOf('.');
        String parent = dot < 0 ? "" : key.substring(0, dot + 1);
        Set<String> siblings = new TreeSet<>();
        for (String n : checkpoint.names()) {
            if (n.startsWith(parent) && siblings.size() < 6) {
                siblings.add(n);
            }
        }
        return siblings.isEmpty() ? "" : "; keys under '" + parent + "': " + siblings;
    }

    private static String abbreviate(Set<String> keys) {
        return keys.size() <= 12 ? keys.toString() : keys.stream().limit(12).toList() + " and " + (keys.size() - 12) + " more";
    }
}
