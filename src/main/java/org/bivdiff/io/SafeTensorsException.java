package org.bivdiff.io;

import java.nio.file.Path;

/**
 * A safetensors file or checkpoint that cannot be used: malformed, truncated, inconsistent, or asked for
 * a tensor it does not hold. The message names the file, the tensor when there is one, and what is wrong,
 * e.g. {@code model.safetensors: tensor 'conv.weight': data_offsets [0, 100) hold 100 bytes but F32 [5, 6]
 * needs 120}.
 */
public final class SafeTensorsException extends CheckpointException {

    /** An exception with a complete message. */
    public SafeTensorsException(String message) {
        super(message);
    }

    /** An exception with a complete message and the failure that caused it. */
    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem with the file as a whole: {@code "<file>: <problem>"}. */
    static SafeTensorsException ofFile(Path file, String problem) {
        return new SafeTensorsException(file + ": " + problem);
    }

    /** A problem with one tensor: {@code "<file>: tensor '<name>': <problem>"}. */
    static SafeTensorsException ofTensor(Path file, String tensor, String problem) {
        return new SafeTensorsException(file + ": tensor '" + tensor + "': " + problem);
    }
}
