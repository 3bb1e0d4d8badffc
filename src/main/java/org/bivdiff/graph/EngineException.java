package org.bivdiff.graph;

/** ONNX Runtime refused a graph, a provider or an input; the message says which and why. */
public class EngineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }

    public EngineException(String message) {
        super(message);
    }
}
