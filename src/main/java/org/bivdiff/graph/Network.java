package org.bivdiff.graph;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.bivdiff.tensor.LongTensor;
import org.bivdiff.tensor.Tensor;

/**
 * One ONNX Runtime session for one graph, reused across calls (any input sizes its symbolic
 * dimensions allow). Thread-safe for concurrent {@link #run} calls, as ONNX Runtime sessions are.
 */
public final class Network implements AutoCloseable {

    /** Turns ONNX Runtime's error for a failed run into ours; {@code inputs} are what the run was given. */
    @FunctionalInterface
    interface Failures {
        EngineException of(String graph, Map<String, ?> inputs, OrtException e);
    }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final Model model;
    private final Failures failures;
    private final Engine.Observer observer;

    Network(OrtEnvironment env, OrtSession session, Model model, Failures failures, Engine.Observer observer) {
        this.env = env;
        this.session = session;
        this.model = model;
        this.failures = failures;
        this.observer = observer;
    }

    public Model model() {
        return model;
    }

    /** Runs the graph and returns every output. Inputs are {@link Tensor}s or {@link LongTensor}s by input name. */
    public Map<String, Tensor> run(Map<String, ?> inputs) {
        return run(inputs, Set.copyOf(model.outputs()));
    }

    /** Runs the graph and returns the requested outputs. */
    public Map<String, Tensor> run(Map<String, ?> inputs, Set<String> outputs) {
        for (String name : model.inputs()) {
            if (!inputs.containsKey(name)) {
                throw new IllegalArgumentException("graph '" + model.name() + "' needs input '" + name + "' (inputs: "
                        + model.inputs() + ")");
            }
        }
        List<OnnxTensor> owned = new ArrayList<>();
        try {
            Map<String, OnnxTensor> feed = new LinkedHashMap<>();
            for (Map.Entry<String, ?> e : inputs.entrySet()) {
                if (!model.inputs().contains(e.getKey())) {
                    throw new IllegalArgumentException("graph '" + model.name() + "' has no input '" + e.getKey()
                            + "' (inputs: " + model.inputs() + ")");
                }
                OnnxTensor t = toOrt(e.getValue());
                owned.add(t);
                feed.put(e.getKey(), t);
            }
            long start = System.nanoTime();
            try (OrtSession.Result result = session.run(feed, orderedSubset(outputs))) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    out.put(e.getKey(), fromOrt((OnnxTensor) e.getValue()));
                }
                observer.ran(this, start, System.nanoTime());
                return out;
            }
        } catch (OrtException e) {
            throw failures.of(model.name(), inputs, e);
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }

    private Set<String> orderedSubset(Set<String> outputs) {
        Set<String> ordered = new java.util.LinkedHashSet<>();
        for (String o : model.outputs()) {
            if (outputs.contains(o)) {
                ordered.add(o);
            }
        }
        for (String o : outputs) {
            if (!ordered.contains(o)) {
                throw new IllegalArgumentException("graph '" + model.name() + "' has no output '" + o + "' (outputs: "
                        + model.outputs() + ")");
            }
        }
        return ordered;
    }

    private OnnxTensor toOrt(Object value) throws OrtException {
        return switch (value) {
            case Tensor t -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.data()), t.longShape());
            case LongTensor t -> OnnxTensor.createTensor(env, LongBuffer.wrap(t.data()), toLong(t.shape()));
            default -> throw new IllegalArgumentException("unsupported input type " + value.getClass().getName());
        };
    }

    private static Tensor fromOrt(OnnxTensor t) {
        long[] s = t.getInfo().getShape();
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            shape[i] = Math.toIntExact(s[i]);
        }
        FloatBuffer buf = t.getFloatBuffer();
        float[] data = new float[buf.remaining()];
        buf.get(data);
        return new Tensor(shape, data);
    }

    private static long[] toLong(int[] shape) {
        long[] s = new long[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = shape[i];
        }
        return s;
    }

    /** Releases the session, and the memory it freed back to the operating system ({@link NativeMemory#trim}). */
    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new EngineException("closing graph '" + model.name() + "' failed: " + e.getMessage(), e);
        }
        NativeMemory.trim();
    }
}
