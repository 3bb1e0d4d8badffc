package org.bivdiff.graph;

/**
 * A network call did not fit in the GPU's memory. Every layer of our networks works per row, so a caller
 * that chose the batch itself may retry the same rows in smaller calls; one that was given the batch
 * reports this message.
 */
public final class OutOfDeviceMemoryException extends EngineException {

    private static final long serialVersionUID = 1L;

    public OutOfDeviceMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
