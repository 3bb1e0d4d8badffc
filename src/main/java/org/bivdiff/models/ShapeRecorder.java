package org.bivdiff.models;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.bivdiff.graph.ExternalTensor;
import org.bivdiff.io.DType;
import org.bivdiff.tensor.Tensor;

/**
 * A source over no file that records the key and shape of every weight a model asks for while it is built:
 * the architecture's own list of parameters, for writing random-weight checkpoints in the real layout. Graphs
 * may be built from it but not run; values read from it are NaN.
 */
final class ShapeRecorder implements WeightSource {

    private final Map<String, long[]> recorded = new LinkedHashMap<>();

    /** Every key asked for so far and its shape, in the order asked. */
    Map<String, long[]> shapes() {
        return Collections.unmodifiableMap(recorded);
    }

    @Override
    public boolean has(String key) {
        return recorded.containsKey(key);
    }

    @Override
    public boolean hasUnder(String prefix) {
        return recorded.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    @Override
    public ExternalTensor tensor(String key) {
        throw new IllegalStateException("weight '" + key + "' is asked for without its shape, which a recording needs");
    }

    @Override
    public ExternalTensor tensor(String key, long[] shape) {
        recorded.put(key, shape.clone());
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return new ExternalTensor(key, Path.of("recorded.safetensors"), 0, 4 * n, DType.F32, shape);
    }

    @Override
    public long[] shape(String key) {
        long[] shape = recorded.get(key);
        if (shape == null) {
            throw new WeightsException("weight '" + key + "' has not been recorded");
        }
        return shape.clone();
    }

    @Override
    public Tensor read(String key, long[] shape) {
        tensor(key, shape);
        return Tensor.full(Float.NaN, Arrays.stream(shape).mapToInt(Math::toIntExact).toArray());
    }

    @Override
    public void markUsed(String key) {
    }

    @Override
    public void requireAllUsed(Set<String> expectedUnused) {
    }
}
