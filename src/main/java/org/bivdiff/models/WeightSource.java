package org.bivdiff.models;

import java.util.Set;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.tensor.Tensor;

/**
 * What a {@link Weights} view asks for its tensors, by full key: a checkpoint that hands out its weights and
 * refuses unused ones ({@link CheckpointWeights}), or a recorder of the keys and shapes an architecture asks
 * for ({@link ShapeRecorder}).
 */
sealed interface WeightSource permits CheckpointWeights, ShapeRecorder {

    /** True if {@code key} is there. */
    boolean has(String key);

    /** True if any key starts with {@code prefix}. */
    boolean hasUnder(String prefix);

    /** The weight {@code key} as it is, marked as used. */
    ExternalTensor tensor(String key);

    /** The weight {@code key}, which must have exactly {@code shape}, marked as used. */
    ExternalTensor tensor(String key, long[] shape);

    /** The shape of {@code key}, without marking it used. */
    long[] shape(String key);

    /** The values of {@code key}, which must have exactly {@code shape}, in host memory; marked as used. */
    Tensor read(String key, long[] shape);

    /** Marks {@code key} as deliberately not used by the graph, if it is there. */
    void markUsed(String key);

    /** Fails if keys other than {@code expectedUnused} were never asked for. */
    void requireAllUsed(Set<String> expectedUnused);
}
