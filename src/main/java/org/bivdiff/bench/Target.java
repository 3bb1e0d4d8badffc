package org.bivdiff.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.bivdiff.graph.Model;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/**
 * One network to time: its graph (one session), and the calls it is timed with.
 *
 * @param network      a short name for the table, e.g. {@code unet2d}
 * @param model        the graph
 * @param buildSeconds time to read the config and weight headers and build the graph
 * @param calls        input sets, each timed separately on the same session
 */
public record Target(String network, Model model, double buildSeconds, List<Call> calls) {

    public Target {
        calls = List.copyOf(calls);
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("target " + network + " has no calls");
        }
    }

    /**
     * One call of a network.
     *
     * @param shape   a label such as {@code b2 64x64}
     * @param inputs  {@link Tensor}s and {@link LongTensor}s by input name
     * @param outputs the outputs to fetch; empty for all
     */
    public record Call(String shape, Map<String, Object> inputs, Set<String> outputs) {

        public Call {
            inputs = Map.copyOf(inputs);
            outputs = Set.copyOf(outputs);
        }

        public Call(String shape, Map<String, Object> inputs) {
            this(shape, inputs, Set.of());
        }

        /** The shape of each input, for FLOP counting. */
        public Map<String, long[]> inputShapes() {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            inputs.forEach((k, v) -> shapes.put(k, switch (v) {
                case Tensor t -> t.longShape();
                case LongTensor t -> java.util.Arrays.stream(t.shape()).asLongStream().toArray();
                default -> throw new IllegalArgumentException("input " + k + " is a " + v.getClass().getName());
            }));
            return shapes;
        }
    }

    /** Builds the graph, timing it, then the calls for it. */
    public static Target timed(String network, GraphSource build, Function<Model, List<Call>> calls)
            throws java.io.IOException {
        long t0 = System.nanoTime();
        Model model = build.model();
        return new Target(network, model, (System.nanoTime() - t0) / 1e9, calls.apply(model));
    }

    /** Reads a config and weight headers and builds a graph. */
    @FunctionalInterface
    public interface GraphSource {
        Model model() throws java.io.IOException;
    }
}
