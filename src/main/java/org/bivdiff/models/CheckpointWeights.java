package org.bivdiff.models;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.TensorInfo;
import org.bivdiff.io.TensorLocation;
import org.bivdiff.tensor.Tensor;

/**
 * The weights of a checkpoint, each key handed out recorded as used, so that after a model is built
 * {@link #requireAllUsed} can refuse a checkpoint with keys the architecture did not consume. A missing key
 * fails with the file and the keys near it.
 */
final class CheckpointWeights implements WeightSource {

    private final Checkpoint checkpoint;
    private final Set<String> used = new HashSet<>();

    CheckpointWeights(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
    }

    @Override
    public boolean has(String key) {
        return checkpoint.info(key).isPresent();
    }

    @Override
    public boolean hasUnder(String prefix) {
        return checkpoint.names().stream().anyMatch(k -> k.startsWith(prefix));
    }

    /**
     * External data where the weight lies in its file, or, for a torch tensor stored as a non-contiguous view,
     * its materialised bytes.
     */
    @Override
    public ExternalTensor tensor(String key) {
        TensorInfo info = checkpoint.info(key).orElseThrow(() -> new WeightsException("missing weight '" + key
                + "' in " + checkpoint.source() + " (" + checkpoint.files().size() + " file(s), "
                + checkpoint.names().size() + " tensors)" + nearby(key)));
        used.add(key);
        TensorLocation location;
        try {
            location = checkpoint.locate(key);
        } catch (IOException e) {
            throw new WeightsException("cannot locate weight '" + key + "': " + e.getMessage(), e);
        }
        return switch (location) {
            case TensorLocation.InFile f -> new ExternalTensor(key, f.file(), f.offset(), f.length(), info.dtype(),
                    info.shape());
            case TensorLocation.InMemory m -> ExternalTensor.inline(key, info.dtype(), info.shape(), m.bytes());
        };
    }

    @Override
    public ExternalTensor tensor(String key, long[] shape) {
        ExternalTensor t = tensor(key);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new WeightsException("weight '" + t.key() + "' in " + checkpoint.source() + " has shape "
                    + Arrays.toString(t.shape()) + ", the config implies " + Arrays.toString(shape));
        }
        return t;
    }

    @Override
    public long[] shape(String key) {
        return checkpoint.info(key).orElseThrow(() -> new WeightsException("missing weight '" + key + "' in "
                + checkpoint.source())).shape();
    }

    @Override
    public Tensor read(String key, long[] shape) {
        tensor(key, shape);
        try {
            return checkpoint.readTensor(key);
        } catch (IOException e) {
            throw new WeightsException("cannot read weight '" + key + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void markUsed(String key) {
        if (has(key)) {
            used.add(key);
        }
    }

    @Override
    public void requireAllUsed(Set<String> expectedUnused) {
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
        return keys.size() <= 12 ? keys.toString()
                : keys.stream().limit(12).toList() + " and " + (keys.size() - 12) + " more";
    }
}
