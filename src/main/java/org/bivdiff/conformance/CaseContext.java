package org.bivdiff.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.bivdiff.graph.Engine;
import org.bivdiff.io.DType;
import org.bivdiff.io.SafeTensorsFile;
import org.bivdiff.tensor.Tensor;

/**
 * What a case runner works with: the case spec, the engine, the case's stored tensors, and the
 * comparisons made so far. With an engine computing in float16, the outputs of a case that asked for the
 * engine (so ran networks) are checked under {@link OutputSpec#forHalfPrecision()}; cases without networks
 * (tokenizer, schedulers, Canny) keep their tolerances.
 */
public final class CaseContext implements AutoCloseable {

    private final CaseSpec spec;
    private final Engine engine;
    private final List<Comparison> comparisons = new ArrayList<>();
    private SafeTensorsFile tensors;
    private boolean ranNetworks;

    CaseContext(CaseSpec spec, Engine engine) {
        this.spec = spec;
        this.engine = engine;
    }

    public CaseSpec spec() {
        return spec;
    }

    public Engine engine() {
        ranNetworks = true;
        return engine;
    }

    /** A fixture-relative path from the case JSON (e.g. {@code "model"}), resolved. */
    public Path path(String key) {
        return spec.path(key);
    }

    /** A stored tensor of the case (an input, or an expected output). */
    public Tensor tensor(String name) throws IOException {
        if (tensors == null) {
            tensors = SafeTensorsFile.open(spec.tensorsFile());
        }
        return tensors.readTensor(name);
    }

    /** Compares {@code actual} with the stored output {@code name} under its tolerance. */
    public Comparison check(String name, Tensor actual) throws IOException {
        return check(spec.output(name), actual, tensor(name));
    }

    /** Compares under an explicit spec, for cases whose expected values are not in the tensors file. */
    public Comparison check(OutputSpec outputSpec, Tensor actual, Tensor expected) {
        boolean half = ranNetworks && engine.computeType() == DType.F16;
        Comparison c = Comparison.of(half ? outputSpec.forHalfPrecision() : outputSpec, actual, expected);
        comparisons.add(c);
        return c;
    }

    public List<Comparison> comparisons() {
        return List.copyOf(comparisons);
    }

    @Override
    public void close() {
        if (tensors != null) {
            tensors.close();
        }
    }
}
