package org.bivdiff.io;

import java.nio.file.Path;

/**
 * A PyTorch checkpoint ({@code torch.save} file) that cannot be used: not a zip archive or legacy stream,
 * truncated, inconsistent, or refused because what it holds is not plain tensors (a pickled call of a
 * global outside the allow-list, such as {@code os.system}, which is never executed). The message names
 * the file, the key when there is one, and the reason.
 */
public final class TorchFileException extends CheckpointException {

    /** An exception with a complete message. */
    public TorchFileException(String message) {
        super(message);
    }

    /** An exception with a complete message and the failure that caused it. */
    public TorchFileException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem with the file as a whole: {@code "<file>: <problem>"}. */
    static TorchFileException ofFile(Path file, String problem) {
        return new TorchFileException(file + ": " + problem);
    }

    /** A problem with one entry: {@code "<file>: '<key>': <problem>"}. */
    static TorchFileException ofKey(Path file, String key, String problem) {
        return new TorchFileException(file + ": '" + key + "': " + problem);
    }
}
