package org.bivdiff.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.io.Checkpoint;
import org.bivdiff.io.DType;
import org.bivdiff.tensor.Tensor;

/**
 * A prefix-scoped view of a model's weights: {@code w.child("down_blocks").child(0).tensor("conv1.weight")}
 * reads the key {@code down_blocks.0.conv1.weight}. Construction is loading: blocks ask for their keys where
 * their layers are made. Over a checkpoint ({@link #load}, {@link #of}) every key handed out is recorded, so
 * that {@link #requireAllUsed} can refuse keys the architecture did not consume; {@link #shapes} builds a model
 * over no file to list the keys and shapes it asks for.
 */
public final class Weights {

    private final WeightSource source;
    private final String prefix;

    private Weights(WeightSource source, String prefix) {
        this.source = source;
        this.prefix = prefix;
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

    /**
     * Every weight {@code builder} asks for, with its shape, in the order asked: the checkpoint layout of an
     * architecture. The model is built over no file; its graphs may be built but not run.
     */
    public static Map<String, long[]> shapes(Builder<?> builder) throws IOException {
        ShapeRecorder recorder = new ShapeRecorder();
        builder.build(new Weights(recorder, ""));
        return recorder.shapes();
    }

    /** The root view of {@code checkpoint}. */
    public static Weights of(Checkpoint checkpoint) {
        return new Weights(new CheckpointWeights(checkpoint), "");
    }

    /** The view under {@code name.}. */
    public Weights child(String name) {
        return new Weights(source, prefix + name + ".");
    }

    /** The view under {@code index.}, for module lists ({@code resnets.0}). */
    public Weights child(int index) {
        return child(Integer.toString(index));
    }

    /** The full key of {@code name} in this view. */
    public String key(String name) {
        return prefix + name;
    }

    /** True if the weights have {@code name} under this view. */
    public boolean has(String name) {
        return source.has(key(name));
    }

    /** True if any key starts with this view's prefix followed by {@code name.}. */
    public boolean hasChild(String name) {
        return source.hasUnder(key(name) + ".");
    }

    /**
     * The weight {@code name}, marked as used: external data where it lies in its file, or, for a torch
     * tensor stored as a non-contiguous view, its materialised bytes.
     */
    public ExternalTensor tensor(String name) {
        return source.tensor(key(name));
    }

    /** The weight {@code name}, which must have exactly {@code shape}. */
    public ExternalTensor tensor(String name, long... shape) {
        return source.tensor(key(name), shape);
    }

    /** The shape of {@code name}, without marking it used. */
    public long[] shape(String name) {
        return source.shape(key(name));
    }

    /** Reads {@code name}, which must have exactly {@code shape}, into host memory as floats, marking it used. */
    public Tensor read(String name, long... shape) {
        return source.read(key(name), shape);
    }

    /** Marks keys as deliberately not used by the graph (buffers such as {@code position_ids}). */
    public void markUsed(String name) {
        source.markUsed(key(name));
    }

    /**
     * Fails if the checkpoint holds keys that nothing asked for, other than {@code expectedUnused}
     * (full keys).
     */
    public void requireAllUsed(Set<String> expectedUnused) {
        source.requireAllUsed(expectedUnused);
    }
}
