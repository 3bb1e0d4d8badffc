package org.bivdiff.models;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.graph.Tensor;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.SafeTensorsFile;
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

    private Weights(Checkpoint checkpoint, String prefix, Set<String> used) {
        this.checkpoint = checkpoint;
        this.prefix = prefix;
        this.used = used;
    }

    /** The root view of {@code checkpoint}. */
    public static Weights of(Checkpoint checkpoint) {
        return new Weights(checkpoint, "", new HashSet<>());
    }

    /** The view under {@code name.}. */
    public Weights child(String name) {
        return new Weights(checkpoint, prefix + name + ".", used);
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
        return checkpoint.info(key(name)).isPresent();
    }

    /** True if any key starts with this view's prefix followed by {@code name.}. */
    public boolean hasChild(String name) {
        String p = key(name) + ".";
        return checkpoint.names().stream().anyMatch(k -> k.startsWith(p));
    }

    /** The weight {@code name}, marked as used. */
    public ExternalTensor tensor(String name) {
        String k = key(name);
        TensorInfo info = checkpoint.info(k).orElseThrow(() -> new WeightsException("missing weight '" + k + "' in "
                + checkpoint.folder() + " (" + checkpoint.files().size() + " file(s), " + checkpoint.names().size()
                + " tensors)" + nearby(k)));
        used.add(k);
        SafeTensorsFile file;
        try {
            file = checkpoint.fileOf(k);
        } catch (IOException e) {
            throw new WeightsException("cannot locate weight '" + k + "': " + e.getMessage(), e);
        }
        return new ExternalTensor(k, file.path(), file.absoluteOffset(info), info.byteLength(), info.dtype(), info.shape());
    }

    /** The weight {@code name}, which must have exactly {@code shape}. */
    public ExternalTensor tensor(String name, long... shape) {
        ExternalTensor t = tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new WeightsException("weight '" + t.key() + "' in " + checkpoint.folder() + " has shape "
                    + Arrays.toString(t.shape()) + ", the config implies " + Arrays.toString(shape));
        }
        return t;
    }

    /** The shape of {@code name}, without marking it used. */
    public long[] shape(String name) {
        String k = key(name);
        return checkpoint.info(k).orElseThrow(() -> new WeightsException("missing weight '" + k + "' in "
                + checkpoint.folder())).shape();
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
        if (has(name)) {
            used.add(key(name));
        }
    }

    /**
     * Fails if the checkpoint holds keys that nothing asked for, other than {@code expectedUnused}
     * (full keys).
     */
    public void requireAllUsed(Set<String> expectedUnused) {
        Set<String> unused = new TreeSet<>(checkpoint.names());
        unused.removeAll(used);
        unused.removeAll(expectedUnused);
        if (!unused.isEmpty()) {
            throw new WeightsException(unused.size() + " weight(s) in " + checkpoint.folder()
                    + " are not used by the architecture its config describes: " + abbreviate(unused)
                    + " (a config that does not match the weights, or a variant this implementation does not know)");
        }
    }

    public Checkpoint checkpoint() {
        return checkpoint;
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
