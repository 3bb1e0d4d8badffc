package org.bivdiff.bivdiff;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

import org.bivdiff.tensor.Tensor;

/**
 * Where a run keeps the results of its finished stages, so that a run stopped by a crash or Ctrl-C
 * can resume without recomputing them. Each result is saved with a fingerprint of everything it
 * depends on; a stored result is reused only if the fingerprint matches.
 */
public interface StageStore {

    /** The stored tensors of {@code stage}, if present and made with {@code fingerprint}. */
    Optional<Map<String, Tensor>> load(String stage, String fingerprint) throws IOException;

    /** Stores the tensors of a finished stage, atomically: a reader never sees half a result. */
    void save(String stage, String fingerprint, Map<String, Tensor> tensors) throws IOException;

    /** Computes a stage's tensors. */
    @FunctionalInterface
    interface Computation {
        Map<String, Tensor> compute() throws IOException;
    }

    /**
     * The stored tensors of {@code stage} when they were made with {@code fingerprint}; otherwise computes them,
     * stores them and returns them.
     */
    default Map<String, Tensor> loadOrCompute(String stage, String fingerprint, Computation computation)
            throws IOException {
        Optional<Map<String, Tensor>> stored = load(stage, fingerprint);
        if (stored.isPresent()) {
            return stored.get();
        }
        Map<String, Tensor> computed = computation.compute();
        save(stage, fingerprint, computed);
        return computed;
    }

    /** Keeps nothing: every run computes every stage. */
    StageStore NONE = new StageStore() {
        @Override
        public Optional<Map<String, Tensor>> load(String stage, String fingerprint) {
            return Optional.empty();
        }

        @Override
        public void save(String stage, String fingerprint, Map<String, Tensor> tensors) {
        }
    };
}
