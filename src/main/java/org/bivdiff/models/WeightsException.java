package org.bivdiff.models;

/** A model's weights do not match its architecture: a key is missing, unused, or of the wrong shape. */
public final class WeightsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
