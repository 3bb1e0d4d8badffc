package org.bivdiff.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A weights file or checkpoint that cannot be used: malformed, truncated, inconsistent, refused, or asked
 * for a tensor it does not hold. The message names the file, the tensor when there is one, and what is
 * wrong. {@link SafeTensorsException} and {@link TorchFileException} say which format was being read.
 */
public class CheckpointException extends IOException {

    /** An exception with a complete message. */
    public CheckpointException(String message) {
        super(message);
    }

    /** An exception with a complete message and the failure that caused it. */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem with one tensor: {@code "<file>: tensor '<name>': <problem>"}. */
    static CheckpointException ofTensor(Path file, String tensor, String problem) {
        return new CheckpointException(file + ": tensor '" + tensor + "': " + problem);
    }
}
